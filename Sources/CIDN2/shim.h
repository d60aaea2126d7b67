#ifndef BREACHMAIL_CIDN2_SHIM_H
#define BREACHMAIL_CIDN2_SHIM_H

// libidn2 (Debian's libidn2-dev): IDNA 2008 with the UTS #46 mapping. Its functions are plain
// C calls without state: nothing to wrap here but the header.
#include <idn2.h>

#endif
