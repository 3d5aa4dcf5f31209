/* Fuzz target: the dotenv and config-file parsers. The input is written
 * to an in-memory file and loaded both ways into a fresh configuration;
 * every load either succeeds or fails with a one-line detail, and never
 * crashes, leaks or overruns. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bucketguard/bucketguard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(int fd, int dotenv)
{
    char path[64];
    bg_config *cfg = bg_config_new();
    bg_result r;
    const char *detail;

    if (cfg == NULL)
        return;
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    r = dotenv ? bg_config_load_env_file(cfg, path)
               : bg_config_load_file(cfg, path);
    if (r != BG_OK) {
        detail = bg_config_error(cfg);
        if (detail == NULL || detail[0] == '\0' || strchr(detail, '\n') != NULL)
            abort();
    } else {
        (void)bg_config_validate(cfg);
    }
    bg_config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;

    if (fd < 0)
        fd = memfd_create("bgfuzz", 0);
    if (fd < 0 || ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) < 0)
        return 0;
    load(fd, 1);
    load(fd, 0);
    return 0;
}
