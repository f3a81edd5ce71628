/*
 * config.h — loading the galleryfs configuration (design §6) from an INI
 * file with inih over the built-in defaults. What the settings are, and
 * their defaults, is core's (settings.h); this is only the loader.
 *
 * Loading is strict: an unknown section or key, a duplicate key, a value
 * outside its form, an over-long line or a syntax error stops the load with
 * one message "FILE:LINE: reason". Nothing here exits or logs; the daemon
 * prints the message and exits with status 2.
 */
#ifndef GFS_CONFIG_H
#define GFS_CONFIG_H

#include <stddef.h>

#include "settings.h"

/*
 * Read path over what cfg holds. Returns 0, or -1 with err set to
 * "FILE:LINE: reason" (LINE omitted when the file cannot be read at all).
 * On failure cfg may be partly updated; callers discard it.
 */
int gfs_config_load(struct gfs_config *cfg, const char *path, char *err,
		    size_t errlen);

#endif
