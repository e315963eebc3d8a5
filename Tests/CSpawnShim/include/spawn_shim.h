#ifndef IMAGESWISS_SPAWN_SHIM_H
#define IMAGESWISS_SPAWN_SHIM_H
#include <spawn.h>

/// posix_spawn_file_actions_addclosefrom_np (glibc 2.34+), which Swift cannot see without _GNU_SOURCE:
/// the child closes every descriptor from `lowfd` up.
int imageswiss_spawn_addclosefrom(posix_spawn_file_actions_t *actions, int lowfd);
#endif
