// The import rules that make ftbench's folders its layers (docs/design.md): lowest first, core → text → datasets →
// harness → techniques → reports → cli. A folder may import only from folders before it; no import circles anywhere.
const LAYERS = ['core', 'text', 'datasets', 'harness', 'techniques', 'reports', 'cli'];

const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `${layer}-imports-upward`,
  comment: `${layer}/ sits below ${LAYERS.slice(i + 1).join(', ')}: move the shared piece down or pass it in from above.`,
  severity: 'error',
  from: { path: `^${layer}/` },
  to: { path: `^(${LAYERS.slice(i + 1).join('|')})/` },
}));

module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'Import circles make load order matter and hide which module owns an idea; break the circle.',
      severity: 'error',
      from: { path: `^(${LAYERS.join('|')})/` },
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)node_modules/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs'] },
  },
};
