// tsrun/windows: the OCI → HCS translation, for engines and tests on any platform.
export { hcsDocuments, utilityVMId } from './windows/hcsoci/documents.js';
export type { HcsDocumentOptions, HcsDocuments, HcsSystem } from './windows/hcsoci/documents.js';
export { commandLine, escapeArg } from './windows/hcsoci/commandline.js';
export { layerIdStandIn, type LayerId } from './windows/hcsoci/layers.js';
export type * from './windows/hcsoci/schema.js';
