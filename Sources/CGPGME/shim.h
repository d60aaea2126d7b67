#ifndef BREACHMAIL_CGPGME_SHIM_H
#define BREACHMAIL_CGPGME_SHIM_H

#include <gpgme.h>

// gpgme_check_version is a macro over gpgme_check_version_internal; wrap it once.
static inline const char *bm_gpgme_check_version(const char *required) {
    return gpgme_check_version(required);
}
static inline gpgme_err_code_t bm_gpgme_err_code(gpgme_error_t err) {
    return gpgme_err_code(err);
}

#endif
