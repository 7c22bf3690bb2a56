// napi-rs's browser loader of the WebAssembly build (npm/wasm32-wasi, written by
// `npm run build:wasm`): its default export is the addon's exports, as native/index.js's.
declare module 'pqwire-wasm32-wasi' {
  const binding: typeof import('../../native/index.js');
  export default binding;
}
