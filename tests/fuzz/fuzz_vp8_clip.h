/* A tiny VP8 clip for the load generator's fuzz targets (vp8_clip.h):
 * 8 frames, a keyframe every 4, layers of 32x18 and 64x36. Made once per
 * process. */
#ifndef SAMTALE_FUZZ_VP8_CLIP_H
#define SAMTALE_FUZZ_VP8_CLIP_H

#include "tests/fuzz/fuzz_check.h"
#include "tests/load/vp8_clip.h"

static inline const struct lg_vp8_clip *fz_vp8_clip(unsigned n_layers)
{
    static struct lg_vp8_clip *clip;
    struct lg_vp8_clip_cfg cfg;

    if (clip != NULL)
        return clip;
    lg_vp8_clip_cfg_default(&cfg);
    cfg.n_layers = n_layers;
    cfg.layer[0] = (struct lg_vp8_layer_cfg){32, 18, 20};
    cfg.layer[1] = (struct lg_vp8_layer_cfg){64, 36, 40};
    cfg.frames = 8;
    cfg.key_interval = 4;
    CHECK(lg_vp8_clip_create(&clip, &cfg) == 0);
    return clip;
}

#endif
