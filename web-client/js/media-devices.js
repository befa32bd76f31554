// Devices during the call, mixed into MeetingMedia (media.js): another
// microphone or camera without renegotiating (RTCRtpSender.replaceTrack on the
// same transceiver; mute and camera-off stay as they were), and a camera
// effect (background blur, ./blur.js) between the camera and what is sent.
// `this` is the MeetingMedia. Devices picked in the pre-call check or here are
// kept for the tab (sessionStorage "samtale.devices") and opened first when the
// meeting starts (preferred, not required: a device that is gone falls back).
//
//   media.useMic(deviceId); media.useCamera(deviceId);
//   media.setCameraEffect(effect | null);   // {setInput(track) → output track, stop()}
//   media.deviceChoice() → {mic, camera}: the device ids in use (or chosen)

import { AUDIO_CONSTRAINTS, errorCode, stopTrack } from './media-shared.js';

const DEVICES_KEY = 'samtale.devices';

/** {mic, camera}: device ids picked in this tab (pre-call check or "Enheder"), or nulls. */
export function loadDeviceChoice() {
    try {
        const v = JSON.parse(sessionStorage.getItem(DEVICES_KEY) || '{}');
        return { mic: typeof v.mic === 'string' && v.mic ? v.mic : null, camera: typeof v.camera === 'string' && v.camera ? v.camera : null };
    } catch {
        return { mic: null, camera: null };
    }
}

/** Keeps a picked device ('mic' | 'camera') for the rest of this tab's visit. */
export function saveDeviceChoice(kind, id) {
    const v = loadDeviceChoice();
    v[kind] = id || null;
    try {
        sessionStorage.setItem(DEVICES_KEY, JSON.stringify(v));
    } catch {
        /* not kept: the defaults are used */
    }
}

export class DeviceMethods {
    /** The device ids in use now, or the ones chosen for when the device is next opened. */
    deviceChoice() {
        const id = (tr) => (tr && tr.getSettings ? tr.getSettings().deviceId || null : null);
        return { mic: id(this.local.mic) || this.chosen.mic, camera: id(this.local.camera) || this.chosen.camera };
    }

    /** Another microphone. Muted stays muted. Resolves false when it could not be opened. */
    async useMic(deviceId) {
        this.chosen.mic = deviceId || null;
        saveDeviceChoice('mic', deviceId);
        const old = this.local.mic;
        if (!old) return true; // used when the microphone is next opened
        if (old.getSettings && old.getSettings().deviceId === deviceId) return true;
        let track;
        try {
            const s = await navigator.mediaDevices.getUserMedia({ audio: this.micConstraints() });
            track = s.getAudioTracks()[0];
        } catch (e) {
            this.emit('notice', { code: `mic_${errorCode(e)}` });
            return false;
        }
        if (!track || this.closed || this.local.mic !== old) {
            stopTrack(track);
            return false;
        }
        track.enabled = this.flags.mic;
        this.setLocal('mic', track);
        await this.attachTrack('mic', track);
        stopTrack(old);
        this.emitLocal();
        this.emitState();
        return true;
    }

    /** Another camera. A camera that is off stays off (the choice is used when it is turned on). */
    async useCamera(deviceId) {
        this.chosen.camera = deviceId || null;
        saveDeviceChoice('camera', deviceId);
        const old = this.local.camera;
        if (!old || this.busyCamera) return true;
        if (old.getSettings && old.getSettings().deviceId === deviceId) return true;
        this.busyCamera = true;
        try {
            // Phones often cannot open two cameras at once: let go of the old one first.
            stopTrack(old);
            let track = null;
            try {
                track = await this.getCamera(null, deviceId);
            } catch (e) {
                this.emit('notice', { code: 'camera_switch_failed' });
                this.chosen.camera = null;
                try {
                    track = await this.getCamera(this.flags.facing);
                } catch {
                    track = null;
                }
            }
            if (this.closed) {
                stopTrack(track);
                return false;
            }
            if (!track) {
                this.stream.removeTrack(old);
                this.local.camera = null;
                this.flags.camera = false;
                this.emitLocal();
                this.emitState();
                this.sendMediaState();
                return false;
            }
            const facing = track.getSettings ? track.getSettings().facingMode : null;
            if (facing === 'user' || facing === 'environment') this.flags.facing = facing;
            this.setLocal('camera', track);
            track.enabled = this.flags.camera;
            await this.attachTrack('camera', track);
            this.emitLocal();
            this.emitState();
            return true;
        } finally {
            this.busyCamera = false;
        }
    }

    micConstraints() {
        return this.chosen.mic ? { ...AUDIO_CONSTRAINTS, deviceId: { exact: this.chosen.mic } } : AUDIO_CONSTRAINTS;
    }

    /**
     * A camera effect between the camera and what is sent (null: the camera
     * as it is). The effect keeps one output track; a new camera only
     * becomes its new input.
     */
    async setCameraEffect(effect) {
        const old = this.cameraEffect;
        if (old === effect) return;
        this.cameraEffect = effect || null;
        if (this.local.camera && this.flags.camera) await this.attachTrack('camera', this.local.camera);
        if (old) old.stop();
        this.emitLocal();
    }

    /** What goes out for a camera track: the effect's output, or the track itself. */
    outgoingCamera(track) {
        if (!track || !this.cameraEffect) return track;
        return this.cameraEffect.setInput(track) || track;
    }

    /** The local tracks as shown to the person (the self view shows the effect too). */
    shownLocal() {
        const out = { ...this.local };
        if (out.camera && this.cameraEffect && this.cameraEffect.output) out.camera = this.cameraEffect.output;
        return out;
    }
}
