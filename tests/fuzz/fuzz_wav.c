/* Fuzzes the prompt WAV parser (signaling/prompts.c): files an operator puts in
 * phone_prompts_dir are read with the same care as network input. Checks
 * that what it accepts is in the documented bounds. */
#include "signaling/prompts.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int16_t *pcm = NULL;
    size_t n = 0;
    uint32_t rate = 0;
    if (prompts_wav_parse(data, size, &pcm, &n, &rate) == 0) {
        if (!pcm || n == 0 || n * 2 > size || rate < PROMPT_RATE_MIN || rate > PROMPT_RATE_MAX ||
            n > (size_t)rate * PROMPT_SECONDS_MAX)
            abort();
        volatile int16_t last = pcm[n - 1]; /* ASan: the whole array is ours */
        (void)last;
    } else if (pcm || n || rate) {
        abort();
    }
    free(pcm);
    return 0;
}
