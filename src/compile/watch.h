/*
 * watch.h - what a rebuild depends on, as one fingerprint: the manifest
 * and every source and header the manifest's build names, by path, time
 * and size. serve --watch and deploy --code --watch poll it.
 */
#ifndef SPARTAC_COMPILE_WATCH_H
#define SPARTAC_COMPILE_WATCH_H

#include "base/digest.h"
#include "front/manifest.h"

void watch_fingerprint(const struct manifest *m, const char *project_dir,
    const char *manifest_path, char hex[DIGEST_HEX_LEN + 1]);

#endif
