/*
 * lists.h — comma lists, as the configuration and the list-valued
 * properties (replicas, sharingAdmins) write them: one splitter and one
 * membership test for both, so that "alice, @ops" means the same in
 * galleryfs.ini and in setfattr.
 */
#ifndef GFS_LISTS_H
#define GFS_LISTS_H

#include <stdbool.h>
#include <stddef.h>

/* Called with each item (len bytes, not NUL-terminated); a negative return
 * stops the split and is passed on. */
typedef int (*gfs_list_item_fn)(void *arg, const char *item, size_t len);

/*
 * Split v (len bytes) at its commas. Blanks (spaces, tabs) next to a comma
 * are dropped; the value's own two ends stay exact (the INI loader hands
 * values over trimmed, and a property value is exact bytes). An empty value
 * has no items. Returns 0, -EINVAL for an empty item or a NUL byte, or what
 * fn returned.
 */
int gfs_list_split(const char *v, size_t len, gfs_list_item_fn fn, void *arg);

/* Whether the canonical list (items joined by bare commas) holds item. */
bool gfs_list_has(const char *list, const char *item);

/* Walk a canonical list: the next item into item (cut to itemlen), or NULL
 * at the end; *cursor starts at the list. */
const char *gfs_list_next(const char **cursor, char *item, size_t itemlen);

#endif
