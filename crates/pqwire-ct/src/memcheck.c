/* valgrind memcheck client requests for the constant-time check (docs/constant-time.md).
 *
 * Each request is a magic instruction sequence that does nothing outside valgrind. The
 * macros come from <valgrind/memcheck.h> (Debian package `valgrind`); without that header
 * they are defined below as no-ops and pqwire_ct_have_valgrind() says so, so that the
 * workspace still builds on machines without valgrind. */
#include <stddef.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define PQWIRE_CT_VALGRIND 1
#endif
#endif

#ifndef PQWIRE_CT_VALGRIND
#define RUNNING_ON_VALGRIND 0
#define VALGRIND_MAKE_MEM_UNDEFINED(addr, len) ((void)(addr), (void)(len), 0)
#define VALGRIND_MAKE_MEM_DEFINED(addr, len) ((void)(addr), (void)(len), 0)
#define VALGRIND_DISABLE_ERROR_REPORTING
#define VALGRIND_ENABLE_ERROR_REPORTING
#endif

int pqwire_ct_have_valgrind(void) {
#ifdef PQWIRE_CT_VALGRIND
  return 1;
#else
  return 0;
#endif
}

unsigned pqwire_ct_running_on_valgrind(void) { return RUNNING_ON_VALGRIND; }

/* Secret: memcheck treats the bytes as undefined, and reports any branch or address
 * computed from them. */
void pqwire_ct_secret(const void *addr, size_t len) {
  (void)VALGRIND_MAKE_MEM_UNDEFINED(addr, len);
}

/* Public (declassified): the bytes are defined again. */
void pqwire_ct_public(const void *addr, size_t len) {
  (void)VALGRIND_MAKE_MEM_DEFINED(addr, len);
}

/* Stops (and restarts) error reports in this thread: for a case's setup. */
void pqwire_ct_reports_off(void) { VALGRIND_DISABLE_ERROR_REPORTING; }

void pqwire_ct_reports_on(void) { VALGRIND_ENABLE_ERROR_REPORTING; }
