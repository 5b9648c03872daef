import { prng } from '../random.js';

/** A product as the seeder writes it (the shape of the catalog's bulk writer). */
export interface GeneratedProduct {
  sku: string;
  name: string;
  description: string;
  price: number;
  currency: string;
  category: string;
  attributes: Record<string, string | number | boolean>;
  stock: number;
}

/** Per category: its nouns, the words its descriptions use, and a typical price in cents. */
const CATEGORIES: Record<string, { nouns: string[]; uses: string[]; price: number }> = {
  audio: { nouns: ['Headphones', 'Earbuds', 'Speaker', 'Soundbar', 'Turntable'], uses: ['music on the go', 'movie nights', 'long flights', 'podcasts'], price: 12_000 },
  computers: { nouns: ['Laptop', 'Keyboard', 'Mouse', 'Monitor', 'Webcam'], uses: ['remote work', 'gaming', 'coding sessions', 'video calls'], price: 40_000 },
  kitchen: { nouns: ['Kettle', 'Toaster', 'Blender', 'Coffee Grinder', 'Chef Knife'], uses: ['busy mornings', 'weekend brunch', 'small kitchens', 'home baristas'], price: 6_000 },
  furniture: { nouns: ['Desk', 'Chair', 'Bookshelf', 'Floor Lamp', 'Sofa'], uses: ['home offices', 'reading corners', 'studio flats', 'living rooms'], price: 30_000 },
  outdoor: { nouns: ['Tent', 'Backpack', 'Sleeping Bag', 'Hiking Boots', 'Water Bottle'], uses: ['weekend hikes', 'alpine camps', 'festival trips', 'long trails'], price: 9_000 },
  sports: { nouns: ['Yoga Mat', 'Dumbbell', 'Running Shoes', 'Bicycle Helmet', 'Tennis Racket'], uses: ['morning runs', 'home workouts', 'club matches', 'commuting'], price: 5_000 },
};
const ADJECTIVES = ['Wireless', 'Compact', 'Ergonomic', 'Stainless', 'Portable', 'Premium', 'Classic', 'Ultralight', 'Waterproof', 'Foldable'];
const BRANDS = ['Acme', 'Nordvik', 'Lumen', 'Kestrel', 'Orbit', 'Sable', 'Tundra', 'Vireo', 'Halden', 'Quill'];
const COLORS = ['black', 'white', 'graphite', 'sand', 'forest green', 'navy'];
/** Words that name other categories' products, so descriptions mention them (a name match must outrank these). */
const PAIRINGS = ['headphones', 'a laptop', 'a kettle', 'a backpack', 'a desk', 'running shoes'];

/**
 * A realistic, reproducible catalog: the same `seed` and count give the same products
 * (the search suite's fixed queries rely on it). Names are brand + adjective + noun + model;
 * descriptions mention uses, colours and other products; prices vary around each category's
 * typical one; about one product in six is out of stock.
 */
export function generateCatalog(count: number, seed = 1, skuPrefix = 'SEED'): GeneratedProduct[] {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const categories = Object.keys(CATEGORIES);
  const products: GeneratedProduct[] = [];
  for (let i = 0; i < count; i++) {
    const category = categories[i % categories.length]!;
    const { nouns, uses, price } = CATEGORIES[category]!;
    const noun = pick(nouns);
    const adjective = pick(ADJECTIVES);
    const color = pick(COLORS);
    const model = `${String.fromCharCode(65 + Math.floor(random() * 26))}${100 + Math.floor(random() * 900)}`;
    products.push({
      sku: `${skuPrefix}-${String(i + 1).padStart(7, '0')}`,
      name: `${pick(BRANDS)} ${adjective} ${noun} ${model}`,
      description: `The ${adjective.toLowerCase()} ${noun.toLowerCase()} for ${pick(uses)}. Finished in ${color}; pairs well with ${pick(PAIRINGS)}.`,
      // Log-normal-ish around the category's typical price, in cents, ending in 99.
      price: Math.max(99, Math.round((price * Math.exp((random() - 0.5) * 1.6)) / 100) * 100 - 1),
      currency: 'EUR',
      category,
      attributes: { color, brandNew: random() < 0.9, weightGrams: 100 + Math.floor(random() * 5000) },
      stock: random() < 1 / 6 ? 0 : Math.floor(random() * 200),
    });
  }
  return products;
}
