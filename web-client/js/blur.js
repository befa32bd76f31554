// Background blur for the camera, in the browser. A selfie segmentation
// model (MediaPipe Selfie Segmentation, from npm, served by our own server
// under /vendor/selfie_segmentation/: its script, WebAssembly and .tflite
// model; nothing is fetched from elsewhere) finds the person in each camera
// frame; the background is blurred and the person is drawn sharp on top.
//
// Frames come from MediaStreamTrackProcessor and go out through a
// MediaStreamTrackGenerator, so the effect has one output track for the whole
// call (a new camera only becomes its new input) and the publisher sends it
// with replaceTrack (media-devices.js). Browsers without these (Firefox,
// Safari) do not offer blur: blurSupported() is false.
//
// Too slow is off: when processing a frame takes SLOW_MS or more on average
// over SLOW_WINDOW_MS (after WARMUP_MS), onSlow() is called (the caller turns blur off and says
// why). The running cost is in stats(): {frames, avgMs, busyPct}.
//
//   const blur = await createBlur({ onSlow, onFailed });
//   const out = blur.setInput(cameraTrack);   // the blurred track to send
//   blur.stop();

const BASE = '/vendor/selfie_segmentation/';
const SLOW_MS = 60;
const SLOW_WINDOW_MS = 2000;
const MAX_FPS = 15; // enough for a face; halves the cost of a 30 fps camera
const MAX_SIDE = 640; // longer side of what is sent while blurred (640×360: cheap to draw and to encode)
const BLUR_SCALE = 4; // the background is blurred at a quarter of the size (cheap, and softer)
const BLUR_PX = 4;
const STATS_WINDOW_MS = 5000;
const WARMUP_MS = 1500;
const SEG_W = 256; // the landscape model's input size: the model sees no more than this
const SEG_H = 144;
const SEG_EVERY = 2;

/** Whether this browser can run the blur. */
export function blurSupported() {
    return typeof MediaStreamTrackProcessor === 'function' && typeof MediaStreamTrackGenerator === 'function' && typeof VideoFrame === 'function' && typeof WebAssembly === 'object';
}

let scriptLoading = null;

/** Loads the model's script once (it defines window.SelfieSegmentation). */
function loadScript() {
    if (window.SelfieSegmentation) return Promise.resolve();
    if (scriptLoading) return scriptLoading;
    scriptLoading = new Promise((resolve, reject) => {
        const el = document.createElement('script');
        el.src = `${BASE}selfie_segmentation.js`;
        el.async = true;
        el.onload = () => (window.SelfieSegmentation ? resolve() : reject(new Error('the segmentation script did not load')));
        el.onerror = () => reject(new Error('the segmentation script did not load'));
        document.head.append(el);
    }).catch((e) => {
        scriptLoading = null;
        throw e;
    });
    return scriptLoading;
}

/**
 * Starts the model. Resolves to the effect {setInput(track) → output track,
 * output, stats(), stop()}; rejects when the model cannot run here.
 */
export async function createBlur({ onSlow = null, onFailed = null } = {}) {
    if (!blurSupported()) throw new Error('blur is not supported in this browser');
    await loadScript();
    const seg = new window.SelfieSegmentation({ locateFile: (file) => `${BASE}${file}` });
    // The landscape model (144×256) is the faster one, and a call's camera is wide anyway.
    // Inference on the CPU (WebAssembly): where WebGL is software-only it is
    // many times faster than the GPU path, and on phones it is fast enough.
    seg.setOptions({ modelSelection: 1, selfieMode: false, useCpuInference: true });
    let mask = null;
    seg.onResults((r) => {
        mask = r.segmentationMask;
    });
    await seg.initialize();
    return new BlurEffect(seg, () => mask, { onSlow, onFailed });
}

class BlurEffect {
    constructor(seg, latestMask, { onSlow, onFailed }) {
        this.seg = seg;
        this.latestMask = latestMask;
        this.onSlow = onSlow;
        this.onFailed = onFailed;
        this.generator = new MediaStreamTrackGenerator({ kind: 'video' });
        this.writer = this.generator.writable.getWriter();
        this.output = this.generator;
        this.input = null;
        this.reader = null;
        this.loopId = 0;
        this.stopped = false;
        this.lastOut = -Infinity;
        this.times = []; // [at, ms] per processed frame
        this.frames = 0;
        this.processed = 0;
        this.slowSince = 0;
        this.firstAt = 0;
        this.src = new OffscreenCanvas(1, 1);
        this.srcCtx = this.src.getContext('2d');
        this.out = new OffscreenCanvas(1, 1);
        this.outCtx = this.out.getContext('2d');
        this.segIn = new OffscreenCanvas(SEG_W, SEG_H);
        this.segCtx = this.segIn.getContext('2d');
        this.small = new OffscreenCanvas(1, 1);
        this.smallCtx = this.small.getContext('2d');
    }

    /** Uses `track` as the camera from now on; returns the output track (always the same one). */
    setInput(track) {
        if (this.stopped) return null;
        if (track === this.input) return this.output;
        this.input = track;
        this.startLoop(track);
        return this.output;
    }

    startLoop(track) {
        const id = ++this.loopId;
        if (this.reader) this.reader.cancel().catch(() => {});
        const processor = new MediaStreamTrackProcessor({ track });
        const reader = processor.readable.getReader();
        this.reader = reader;
        const loop = async () => {
            while (!this.stopped && id === this.loopId) {
                let res;
                try {
                    res = await reader.read();
                } catch {
                    return;
                }
                if (res.done) return;
                const frame = res.value;
                try {
                    await this.process(frame);
                } catch (e) {
                    frame.close();
                    if (this.stopped) return;
                    console.error(e);
                    this.stop();
                    if (this.onFailed) this.onFailed(e);
                    return;
                }
            }
        };
        loop();
    }

    async process(frame) {
        const now = performance.now();
        if (now - this.lastOut < 1000 / MAX_FPS - 2) {
            frame.close();
            return;
        }
        this.lastOut = now;
        const scale = Math.min(1, MAX_SIDE / Math.max(frame.displayWidth, frame.displayHeight));
        const w = Math.max(2, Math.round((frame.displayWidth * scale) / 2) * 2);
        const h = Math.max(2, Math.round((frame.displayHeight * scale) / 2) * 2);
        for (const c of [this.src, this.out]) {
            if (c.width !== w || c.height !== h) {
                c.width = w;
                c.height = h;
            }
        }
        const sw = Math.max(1, Math.round(w / BLUR_SCALE));
        const sh = Math.max(1, Math.round(h / BLUR_SCALE));
        if (this.small.width !== sw || this.small.height !== sh) {
            this.small.width = sw;
            this.small.height = sh;
        }
        const timestamp = frame.timestamp;
        this.srcCtx.drawImage(frame, 0, 0, w, h);
        frame.close();
        // The person moves little between two frames: the model runs on every
        // SEG_EVERY-th frame, and the frames between reuse its mask.
        if (this.processed++ % SEG_EVERY === 0 || !this.latestMask()) {
            this.segCtx.drawImage(this.src, 0, 0, SEG_W, SEG_H);
            await this.seg.send({ image: this.segIn });
        }
        const mask = this.latestMask();
        if (this.stopped) return;
        const ctx = this.outCtx;
        // The person: the mask's shape filled with the sharp frame.
        ctx.globalCompositeOperation = 'copy';
        ctx.filter = 'none';
        if (mask) ctx.drawImage(mask, 0, 0, w, h);
        ctx.globalCompositeOperation = 'source-in';
        ctx.drawImage(this.src, 0, 0);
        // The background: the frame blurred small and scaled up, behind the person.
        this.smallCtx.filter = `blur(${BLUR_PX}px)`;
        this.smallCtx.drawImage(this.src, 0, 0, sw, sh);
        ctx.globalCompositeOperation = 'destination-over';
        ctx.imageSmoothingEnabled = true;
        ctx.drawImage(this.small, 0, 0, w, h);
        ctx.globalCompositeOperation = 'source-over';
        const out = new VideoFrame(this.out, { timestamp });
        try {
            await this.writer.write(out);
        } finally {
            out.close();
        }
        this.measure(now, performance.now() - now);
    }

    measure(at, ms) {
        this.frames++;
        // The first frames compile and warm up the model: not a measure of the device.
        if (!this.firstAt) this.firstAt = at;
        if (at - this.firstAt < WARMUP_MS) return;
        this.times.push([at, ms]);
        while (this.times.length && at - this.times[0][0] > STATS_WINDOW_MS) this.times.shift();
        // Slow: the last SLOW_WINDOW_MS average SLOW_MS or more, for that long.
        const recent = this.times.filter(([t]) => at - t <= SLOW_WINDOW_MS);
        const avg = recent.reduce((s, [, m]) => s + m, 0) / recent.length;
        if (avg >= SLOW_MS) {
            if (!this.slowSince) this.slowSince = at;
            if (at - this.slowSince >= SLOW_WINDOW_MS && this.onSlow) {
                const cb = this.onSlow;
                this.onSlow = null;
                cb(this.stats());
            }
        } else {
            this.slowSince = 0;
        }
    }

    /** {frames, avgMs, fps, busyPct}: the last seconds' cost of the blur on this device. */
    stats() {
        const n = this.times.length;
        if (!n) return { frames: this.frames, avgMs: null, fps: null, busyPct: null };
        const total = this.times.reduce((s, [, m]) => s + m, 0);
        const span = Math.max(1, this.times[n - 1][0] - this.times[0][0]);
        const fps = n > 1 ? ((n - 1) * 1000) / span : null;
        return { frames: this.frames, avgMs: total / n, fps, busyPct: n > 1 ? (100 * total * ((n - 1) / n)) / span : null };
    }

    stop() {
        if (this.stopped) return;
        this.stopped = true;
        this.loopId++;
        if (this.reader) this.reader.cancel().catch(() => {});
        this.reader = null;
        this.writer.close().catch(() => {});
        try {
            this.generator.stop();
        } catch {
            /* already */
        }
        try {
            this.seg.close();
        } catch {
            /* already */
        }
    }
}
