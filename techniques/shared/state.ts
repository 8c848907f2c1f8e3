// Adapter state in and out: the model's named-state helpers, shared by the plugins (strict by default: an adapter
// state holds every one of its tensors).
export { cloneNamed, loadNamed, type Named } from '../../harness/model/named-state.js';
