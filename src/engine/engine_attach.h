/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Attaching the loaded engine, and proving that the kernel runs it: a
 * kernel that accepts an attach is expected to call the program from the
 * next event on, and once (5.10 on arm64, 1 capture in 140) one did not.
 */
#ifndef UDSDUMP_ENGINE_ATTACH_H
#define UDSDUMP_ENGINE_ATTACH_H

#include "engine_load.h"

/* Attach e's programs. With the syscall hook, until the program is seen
 * running (a syscall of ours ends within a moment), detaching and
 * attaching again up to ENGINE_ATTACH_TRIES times. 0, or -1 after one
 * line on stderr. *reattached: the attaches that had to be redone. */
#define ENGINE_ATTACH_TRIES 3
int engine_attach(struct engine *e, int *reattached);

#endif
