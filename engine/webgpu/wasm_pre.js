/* wasm_pre.js - --pre-js of the WebGPU WASM build (engine/webgpu/wasm_webgpu.mk).
 *
 * Emscripten 3.1.6's WebGPU glue calls pass.dispatch(x, y, z) and
 * pass.dispatchIndirect(buf, off): the names of 2022. Browsers and dawn.node
 * now call them dispatchWorkgroups / dispatchWorkgroupsIndirect, so without an
 * alias the first dispatch throws and the module exits. The alias goes on the
 * global GPUComputePassEncoder class when there is one (browsers; node after
 * Object.assign(globalThis, globals) of npm `webgpu`), and on the prototype of
 * a pass made from the device itself when wg_open takes the device
 * (Module.llmcapPatchDispatch, called by engine/webgpu/wg_emscripten.c), which
 * covers a node setup that did not publish the classes.
 */
function llmcapAliasDispatch(proto) {
  if (!proto) return;
  if (typeof proto['dispatch'] !== 'function' && typeof proto['dispatchWorkgroups'] === 'function')
    proto['dispatch'] = proto['dispatchWorkgroups'];
  if (typeof proto['dispatchIndirect'] !== 'function' && typeof proto['dispatchWorkgroupsIndirect'] === 'function')
    proto['dispatchIndirect'] = proto['dispatchWorkgroupsIndirect'];
}
if (typeof GPUComputePassEncoder !== 'undefined') llmcapAliasDispatch(GPUComputePassEncoder.prototype);
Module['llmcapPatchDispatch'] = function (device) {
  if (!device) return;
  var enc = device['createCommandEncoder']();
  var pass = enc['beginComputePass']();
  llmcapAliasDispatch(Object.getPrototypeOf(pass));
  pass['end']();
  /* the encoder is never finished: it is dropped with nothing in it */
};
