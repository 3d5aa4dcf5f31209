/* Allocation-failure injection for the torture test: while armed, the Nth
 * allocation made by the library, by libcurl (through its memory
 * callbacks) or by jansson (through its allocator hooks) fails, as in
 * curl's torture tests. The library's own calls are redirected here with
 * the linker's --wrap. */
#ifndef BG_TORTURE_ALLOC_H
#define BG_TORTURE_ALLOC_H

/* Installs the counting allocator into jansson and, when with_curl, into
 * libcurl. Call once, before anything else allocates through them.
 * Returns 0, -1 on error. */
int torture_install(int with_curl);

/* Starts counting: the nth allocation from now fails (n 0: none fails). */
void torture_arm(long n);

/* Stops counting; returns how many allocations were made while armed. */
long torture_disarm(void);

/* 1 when the armed failure has happened since torture_arm(). */
int torture_failed(void);

#endif
