#ifndef BREACHMAIL_CCURL_SHIM_H
#define BREACHMAIL_CCURL_SHIM_H

#include <curl/curl.h>

// curl_easy_setopt and curl_easy_getinfo are variadic: Swift cannot call them. One typed,
// prefixed wrapper per argument kind, defined once here.
static inline CURLcode bm_curl_setopt_long(CURL *handle, CURLoption option, long value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bm_curl_setopt_ptr(CURL *handle, CURLoption option, const void *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bm_curl_setopt_slist(CURL *handle, CURLoption option, struct curl_slist *value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bm_curl_setopt_off(CURL *handle, CURLoption option, curl_off_t value) {
    return curl_easy_setopt(handle, option, value);
}
static inline CURLcode bm_curl_setopt_read_function(CURL *handle, curl_read_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_READFUNCTION, callback);
}
static inline CURLcode bm_curl_setopt_write_function(CURL *handle, curl_write_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, callback);
}
static inline CURLcode bm_curl_setopt_debug_function(CURL *handle, curl_debug_callback callback) {
    return curl_easy_setopt(handle, CURLOPT_DEBUGFUNCTION, callback);
}
static inline CURLcode bm_curl_getinfo_long(CURL *handle, CURLINFO info, long *value) {
    return curl_easy_getinfo(handle, info, value);
}

// Whether the server has said something on `multi`'s connection (a reply is there to read),
// without waiting: `curl_multi_wait` with no time-out, which polls the transfer's socket.
static inline int bm_curl_multi_answered(CURLM *multi) {
    int ready = 0;
    return curl_multi_wait(multi, NULL, 0, 0, &ready) == CURLM_OK && ready > 0;
}

// One transfer of `easy` on `multi`, as curl_easy_perform runs it on a multi handle of its own
// (poll, then perform, until the transfer is done; multi failures reported the same way), with
// one difference: the first time the transfer has to wait for the server, `meanwhile(context)`
// is called once, so that the caller's thread does its own work while the server answers.
// The connection stays in `multi`'s cache for the next transfer. On failure, `*socket` is the
// transfer's socket, read before the handle leaves the multi handle (after which libcurl no
// longer says), else CURL_SOCKET_BAD.
static inline CURLcode bm_curl_multi_transfer(CURLM *multi, CURL *easy, void (*meanwhile)(void *), void *context,
                                              curl_socket_t *socket) {
    *socket = CURL_SOCKET_BAD;
    CURLMcode mcode = curl_multi_add_handle(multi, easy);
    if (mcode != CURLM_OK) return mcode == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_FAILED_INIT;
    CURLcode result = CURLE_OK;
    int done = 0, waited = meanwhile == NULL;
    while (!done && !mcode) {
        int running = 0;
        mcode = curl_multi_perform(multi, &running);
        if (!mcode && running && !waited) {
            waited = 1;
            meanwhile(context);
            continue;
        }
        if (!mcode && !running) {
            int left;
            CURLMsg *message = curl_multi_info_read(multi, &left);
            if (message) {
                result = message->data.result;
                done = 1;
                break;
            }
        }
        if (!mcode) mcode = curl_multi_poll(multi, NULL, 0, 1000, NULL);
    }
    if (mcode) result = mcode == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY : CURLE_BAD_FUNCTION_ARGUMENT;
    if (result != CURLE_OK) curl_easy_getinfo(easy, CURLINFO_ACTIVESOCKET, socket);
    curl_multi_remove_handle(multi, easy);
    return result;
}

#endif
