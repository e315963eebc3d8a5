// libcurl's easy API for Swift. curl_easy_setopt and curl_easy_getinfo are variadic, which Swift
// cannot call, so each argument type gets a typed helper. Only Libraries/Curl imports this module.
#include <curl/curl.h>

static inline CURLcode isw_curl_long(CURL *curl, CURLoption option, long value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode isw_curl_string(CURL *curl, CURLoption option, const char *value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode isw_curl_pointer(CURL *curl, CURLoption option, void *value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode isw_curl_off(CURL *curl, CURLoption option, curl_off_t value) { return curl_easy_setopt(curl, option, value); }
static inline CURLcode isw_curl_slist(CURL *curl, CURLoption option, struct curl_slist *value) { return curl_easy_setopt(curl, option, value); }

typedef size_t (*isw_curl_data_callback)(char *data, size_t size, size_t count, void *context);
static inline CURLcode isw_curl_callback(CURL *curl, CURLoption option, isw_curl_data_callback callback) {
    return curl_easy_setopt(curl, option, callback);
}

static inline long isw_curl_response_code(CURL *curl) {
    long code = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    return code;
}
