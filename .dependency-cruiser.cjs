/**
 * The architecture's boundaries, checked by `npm run check:boundaries`
 * (part of `npm test`). See docs/adr/0001-layout-and-boundaries.md.
 *
 *   services never import each other; they talk through src/contracts/ and
 *   the runtime's ClientDirectory. src/services/registry.ts, directly in
 *   src/services/ and not inside a service folder, is the composition root
 *   and may import every service.
 *   platform is shared machinery: it never imports services, contracts,
 *   the CLI or the gateway.
 *   contracts are plain types: they import neither services nor platform.
 *   production code never imports test support (src/testing/, testing/
 *   folders, testing.ts modules); the gateway and the load generator never
 *   import services.
 *   no cycles.
 *
 * Type-only imports count (tsPreCompilationDeps): importing another
 * service's types couples the two just as much as importing its code.
 * `.js` specifiers that name `.ts` files resolve the way tsc resolves them
 * (dependency-cruiser does this by itself for NodeNext projects).
 */
const TEST_FILE = '\\.test\\.ts$';
/** Test support modules: the shared src/testing/, and testing/ folders or testing.ts files next to the code they help test. */
const TEST_SUPPORT = ['^src/testing/', '^src/.+/testing/', '^src/.+/testing\\.ts$'];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cross-service-imports',
      comment:
        'A service must not import another service. Call it through its typed client (src/contracts/<service>.ts, ' +
        'wired by src/platform/runtime ClientDirectory) or, later, through events on the bus.',
      severity: 'error',
      from: { path: '^src/services/([^/]+)/' },
      to: { path: '^src/services/[^/]+/', pathNot: '^src/services/$1/' },
    },
    {
      name: 'no-service-imports-composition-root',
      comment: 'Only the CLI, tests and benchmarks may import the composition root (src/services/registry.ts).',
      severity: 'error',
      from: { path: '^src/(services|platform|contracts|gateway)/' },
      to: { path: '^src/services/registry\\.ts$' },
    },
    {
      name: 'no-platform-to-app-code',
      comment:
        'src/platform is shared machinery with no business logic: it must not import services, contracts, the CLI or the gateway.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/(services|contracts|cli|gateway)/' },
    },
    {
      name: 'no-contracts-to-implementation',
      comment: 'src/contracts holds the interfaces services offer each other: it must not import services or platform.',
      severity: 'error',
      from: { path: '^src/contracts/' },
      to: { path: '^src/(services|platform)/' },
    },
    {
      name: 'no-testing-in-production',
      comment:
        'Test support (src/testing/, any testing/ folder or testing.ts module) is for tests: production code must not import it. ' +
        'Only *.test.ts files and other test support may.',
      severity: 'error',
      from: { path: '^src/', pathNot: [TEST_FILE, ...TEST_SUPPORT] },
      to: { path: TEST_SUPPORT },
    },
    {
      name: 'no-gateway-to-services',
      comment: 'The gateway reaches services over the network (or their contracts), never by importing them.',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'no-loadgen-to-services',
      comment: 'The load generator is an HTTP client of the system: it must not import services.',
      severity: 'error',
      from: { path: '^src/loadgen/' },
      to: { path: '^src/services/' },
    },
    {
      name: 'no-circular',
      comment: 'Circular imports make load order fragile and hide layering mistakes.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that does not resolve is either a typo or a resolver misconfiguration that would hide the rules above.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    skipAnalysisNotInRules: true,
    reporterOptions: {
      text: { highlightFocused: true },
    },
  },
};
