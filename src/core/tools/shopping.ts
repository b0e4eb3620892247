// Recipe and product lookups over shipped tables (cooking and shopping domains). Prices are in USD
// and fixed; searching is exact filtering, results sorted by id so they are deterministic.
import { functionSchema, roundTo, ToolError, type Tool } from './tool.ts';

export interface Recipe { id: string; name: string; diet: string; minutes: number; servings: number; ingredients: [string, number][] }
const r = (id: string, name: string, diet: string, minutes: number, servings: number, ingredients: [string, number][]): Recipe =>
  ({ id, name, diet, minutes, servings, ingredients });

export const RECIPES: readonly Recipe[] = [
  r('r01', 'tomato soup', 'vegan', 30, 4, [['tomato', 800], ['onion', 150], ['garlic', 10], ['olive oil', 30]]),
  r('r02', 'mushroom risotto', 'vegetarian', 40, 4, [['rice', 320], ['mushroom', 300], ['onion', 100], ['butter', 40]]),
  r('r03', 'chicken curry', 'none', 45, 4, [['chicken', 600], ['onion', 200], ['tomato', 400], ['rice', 300]]),
  r('r04', 'pancakes', 'vegetarian', 20, 2, [['flour', 150], ['egg', 100], ['milk', 250], ['butter', 20]]),
  r('r05', 'lentil stew', 'vegan', 50, 6, [['lentils', 400], ['carrot', 200], ['onion', 150], ['tomato', 400]]),
  r('r06', 'beef tacos', 'none', 25, 4, [['beef', 500], ['tortilla', 300], ['tomato', 200], ['cheese', 100]]),
  r('r07', 'greek salad', 'vegetarian', 15, 2, [['tomato', 300], ['cucumber', 200], ['cheese', 150], ['olive oil', 20]]),
  r('r08', 'salmon with rice', 'pescatarian', 30, 2, [['salmon', 300], ['rice', 160], ['lemon', 50]]),
  r('r09', 'vegetable stir fry', 'vegan', 20, 3, [['rice', 240], ['carrot', 150], ['pepper', 150], ['soy sauce', 30]]),
  r('r10', 'banana bread', 'vegetarian', 70, 8, [['banana', 400], ['flour', 250], ['egg', 100], ['sugar', 120]]),
  r('r11', 'shrimp pasta', 'pescatarian', 25, 4, [['pasta', 400], ['shrimp', 300], ['garlic', 15], ['olive oil', 40]]),
  r('r12', 'carrot cake', 'vegetarian', 80, 10, [['carrot', 300], ['flour', 300], ['egg', 150], ['sugar', 200]]),
  r('r13', 'chickpea curry', 'vegan', 35, 4, [['chickpeas', 500], ['tomato', 400], ['onion', 150], ['rice', 300]]),
  r('r14', 'omelette', 'vegetarian', 10, 1, [['egg', 150], ['cheese', 40], ['butter', 10]]),
  r('r15', 'pasta carbonara', 'none', 25, 4, [['pasta', 400], ['egg', 200], ['cheese', 100], ['bacon', 150]]),
  r('r16', 'fish soup', 'pescatarian', 45, 6, [['fish', 600], ['potato', 400], ['onion', 150], ['tomato', 300]]),
  r('r17', 'potato gratin', 'vegetarian', 75, 6, [['potato', 1000], ['milk', 400], ['cheese', 150], ['garlic', 10]]),
  r('r18', 'guacamole', 'vegan', 10, 4, [['avocado', 450], ['lemon', 40], ['onion', 50], ['tomato', 100]]),
];
export const INGREDIENTS = [...new Set(RECIPES.flatMap((x) => x.ingredients.map(([i]) => i)))].sort();
export const DIETS = ['none', 'vegetarian', 'vegan', 'pescatarian'];

export interface Product { id: string; name: string; category: string; price: number; stock: number; rating: number }
const p = (id: string, name: string, category: string, price: number, stock: number, rating: number): Product => ({ id, name, category, price, stock, rating });

export const PRODUCTS: readonly Product[] = [
  p('p01', 'wireless mouse', 'electronics', 25, 40, 4.3), p('p02', 'mechanical keyboard', 'electronics', 89, 12, 4.6),
  p('p03', 'usb-c cable', 'electronics', 9, 200, 4.1), p('p04', 'noise cancelling headphones', 'electronics', 199, 0, 4.7),
  p('p05', 'desk lamp', 'home', 35, 25, 4.2), p('p06', 'coffee grinder', 'kitchen', 49, 8, 4.4),
  p('p07', 'chef knife', 'kitchen', 60, 15, 4.8), p('p08', 'cast iron pan', 'kitchen', 45, 0, 4.6),
  p('p09', 'yoga mat', 'sports', 30, 50, 4.0), p('p10', 'running shoes', 'sports', 120, 9, 4.5),
  p('p11', 'water bottle', 'sports', 15, 80, 4.2), p('p12', 'backpack', 'travel', 70, 20, 4.4),
  p('p13', 'travel adapter', 'travel', 19, 60, 3.9), p('p14', 'suitcase', 'travel', 150, 5, 4.3),
  p('p15', 'paperback novel', 'books', 12, 100, 4.1), p('p16', 'cookbook', 'books', 28, 30, 4.6),
  p('p17', 'bath towel', 'home', 18, 70, 4.0), p('p18', 'houseplant', 'home', 22, 0, 4.5),
  p('p19', 'bike helmet', 'sports', 55, 14, 4.6), p('p20', 'electric kettle', 'kitchen', 39, 22, 4.3),
  p('p21', 'webcam', 'electronics', 59, 18, 4.0), p('p22', 'notebook', 'books', 6, 300, 4.2),
  p('p23', 'sunglasses', 'travel', 80, 11, 4.1), p('p24', 'throw blanket', 'home', 42, 16, 4.7),
];
export const PRODUCT_CATEGORIES = [...new Set(PRODUCTS.map((x) => x.category))].sort();

function recipe(id: string): Recipe {
  const found = RECIPES.find((x) => x.id === id);
  if (!found) throw new ToolError(`no recipe with id '${id}'`);
  return found;
}

export const SHOPPING_TOOLS: Tool[] = [
  {
    domain: 'cooking',
    schema: functionSchema('search_recipes', 'Find recipes that use an ingredient.', {
      ingredient: { type: 'string', description: "An ingredient, e.g. 'tomato'." },
      diet: { type: 'string', enum: DIETS, description: 'Dietary restriction (default none).' },
      max_minutes: { type: 'integer', minimum: 1, description: 'Longest acceptable cooking time.' },
    }, ['ingredient']),
    execute: (args) => {
      const ing = (args.ingredient as string).trim().toLowerCase();
      const diet = args.diet as string | undefined;
      const ok = (x: Recipe): boolean => !diet || diet === 'none' || x.diet === diet || (diet === 'vegetarian' && x.diet === 'vegan');
      const found = RECIPES.filter((x) => x.ingredients.some(([i]) => i === ing) && ok(x) && (args.max_minutes === undefined || x.minutes <= (args.max_minutes as number)));
      return { recipes: found.map((x) => ({ id: x.id, name: x.name, minutes: x.minutes })) };
    },
  },
  {
    domain: 'cooking',
    schema: functionSchema('get_recipe', 'Full recipe: servings, time and ingredient amounts in grams.', {
      recipe_id: { type: 'string', description: "Recipe id, e.g. 'r03'." },
    }, ['recipe_id']),
    execute: (args) => {
      const x = recipe(args.recipe_id as string);
      return { id: x.id, name: x.name, servings: x.servings, minutes: x.minutes, ingredients: x.ingredients.map(([item, grams]) => ({ item, grams })) };
    },
  },
  {
    domain: 'cooking',
    schema: functionSchema('scale_recipe', 'Ingredient amounts of a recipe scaled to a number of servings.', {
      recipe_id: { type: 'string', description: 'Recipe id.' },
      servings: { type: 'integer', minimum: 1, maximum: 100, description: 'Servings wanted.' },
    }, ['recipe_id', 'servings']),
    execute: (args) => {
      const x = recipe(args.recipe_id as string);
      const f = (args.servings as number) / x.servings;
      return { name: x.name, servings: args.servings, ingredients: x.ingredients.map(([item, grams]) => ({ item, grams: roundTo(grams * f, 0) })) };
    },
  },
  {
    domain: 'shopping',
    schema: functionSchema('search_products', 'Search the shop catalog by keyword with optional filters.', {
      query: { type: 'string', description: 'Words in the product name.' },
      filters: {
        type: 'object', description: 'Optional filters.',
        properties: {
          category: { type: 'string', enum: PRODUCT_CATEGORIES, description: 'Category.' },
          max_price: { type: 'number', minimum: 0, description: 'Highest price in USD.' },
          in_stock: { type: 'boolean', description: 'Only items in stock.' },
        },
      },
    }, ['query']),
    execute: (args) => {
      const words = (args.query as string).toLowerCase().split(/\s+/).filter(Boolean);
      const f = (args.filters ?? {}) as { category?: string; max_price?: number; in_stock?: boolean };
      const found = PRODUCTS.filter((x) => words.every((w) => x.name.includes(w)) && (!f.category || x.category === f.category)
        && (f.max_price === undefined || x.price <= f.max_price) && (!f.in_stock || x.stock > 0));
      return { products: found.map((x) => ({ id: x.id, name: x.name })) };
    },
  },
  {
    domain: 'shopping',
    schema: functionSchema('get_product', 'Price (USD), stock and rating of a product.', {
      product_id: { type: 'string', description: "Product id, e.g. 'p07'." },
    }, ['product_id']),
    execute: (args) => {
      const x = PRODUCTS.find((y) => y.id === args.product_id);
      if (!x) throw new ToolError(`no product with id '${args.product_id}'`);
      return { id: x.id, name: x.name, category: x.category, price: x.price, currency: 'USD', stock: x.stock, rating: x.rating };
    },
  },
  {
    domain: 'shopping',
    schema: functionSchema('cart_total', 'Total of a shopping cart with an optional discount code.', {
      lines: {
        type: 'array', minItems: 1, description: 'Cart lines.',
        items: { type: 'object', properties: { product_id: { type: 'string', description: 'Product id.' }, quantity: { type: 'integer', minimum: 1, description: 'How many.' } }, required: ['product_id', 'quantity'] },
      },
      discount_code: { type: 'string', enum: ['SAVE10', 'SAVE20'], description: 'Discount code.' },
    }, ['lines']),
    execute: (args) => {
      let total = 0;
      for (const line of args.lines as { product_id: string; quantity: number }[]) {
        const x = PRODUCTS.find((y) => y.id === line.product_id);
        if (!x) throw new ToolError(`no product with id '${line.product_id}'`);
        total += x.price * line.quantity;
      }
      const off = args.discount_code === 'SAVE20' ? 0.2 : args.discount_code === 'SAVE10' ? 0.1 : 0;
      return { subtotal: total, total: roundTo(total * (1 - off), 2), currency: 'USD' };
    },
  },
];
