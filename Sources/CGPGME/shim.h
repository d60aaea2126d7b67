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
// An error value with GPGME's default source, as a passphrase callback must return.
static inline gpgme_error_t bm_gpgme_error(gpgme_err_code_t code) {
    return gpgme_error(code);
}
// The error code as a plain integer, so Swift need not spell the C enum type.
static inline unsigned int bm_gpgme_err_code_value(gpgme_error_t err) {
    return (unsigned int)gpgme_err_code(err);
}

#endif
