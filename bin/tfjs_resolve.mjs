// Node resolve hook: tfjs-core's per-file ESM build (needed for dist/register_all_gradients, which
// its bundles lack) imports siblings without the .js extension, which Node's ESM loader refuses.
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const fromTfjs = context.parentURL?.includes('/@tensorflow/tfjs-core/dist/');
    if (fromTfjs && specifier.startsWith('.') && !specifier.endsWith('.js')) return next(`${specifier}.js`, context);
    throw err;
  }
}
