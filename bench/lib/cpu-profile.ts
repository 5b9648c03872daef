/** V8's `.cpuprofile` format (what `node --cpu-prof` writes), as the profile cutter and the flame graph read it. */
export interface CallFrame { functionName: string; url: string; lineNumber: number; columnNumber: number }
export interface ProfileNode { id: number; callFrame: CallFrame; hitCount?: number; children?: number[]; positionTicks?: unknown[] }
export interface CpuProfile { nodes: ProfileNode[]; startTime: number; endTime: number; samples: number[]; timeDeltas: number[] }
