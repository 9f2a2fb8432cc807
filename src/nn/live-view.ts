// The layers' live views are the engine's helper.
export { liveView } from '../engine/live-view.js';
