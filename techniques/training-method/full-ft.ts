// Full fine-tuning: the baseline every technique is compared with; every parameter trains with AdamW.
import { footprint } from '../shared/footprint.js';
import { technique, z } from '../shared/config.js';

const schema = z.object({}).strict();
type Config = z.infer<typeof schema>;

export const fullFt = technique<Config>({
  id: 'full-ft',
  name: 'Full fine-tuning',
  category: 'training_method',
  paper: { title: 'Baseline: all parameters updated', year: 2018 },
  schema,
  properties: { identityAtInit: true, changesBase: true },
  trainsHead: true, // every weight trains, the head among them
  apply(model) {
    const vars = () => [...model.params.values()];
    const groups = () => [{ vars: vars() }];
    return {
      paramGroups: groups,
      adapterState: () => model.state(),
      loadAdapterState: (s) => model.load(s, { source: 'adapter state' }),
      footprint: () => footprint(model, groups()),
      dispose: () => {},
    };
  },
});
