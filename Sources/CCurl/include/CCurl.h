#ifndef CCURL_H
#define CCURL_H
// Swift cannot call C variadic functions, so each curl_easy_setopt / getinfo
// argument type gets one fixed-signature wrapper here.
#include <curl/curl.h>

typedef size_t (*ccurl_data_callback)(char *buffer, size_t size, size_t nitems, void *userdata);
typedef int (*ccurl_xferinfo_callback)(void *userdata, curl_off_t dltotal, curl_off_t dlnow,
                                       curl_off_t ultotal, curl_off_t ulnow);

CURLcode ccurl_setopt_long(CURL *handle, CURLoption option, long value);
CURLcode ccurl_setopt_off(CURL *handle, CURLoption option, curl_off_t value);
CURLcode ccurl_setopt_string(CURL *handle, CURLoption option, const char *value);
CURLcode ccurl_setopt_pointer(CURL *handle, CURLoption option, void *value);
CURLcode ccurl_setopt_data_callback(CURL *handle, CURLoption option, ccurl_data_callback cb);
CURLcode ccurl_setopt_xferinfo_callback(CURL *handle, ccurl_xferinfo_callback cb);
CURLcode ccurl_getinfo_long(CURL *handle, CURLINFO info, long *value);
CURLcode ccurl_getinfo_off(CURL *handle, CURLINFO info, curl_off_t *value);
CURLcode ccurl_getinfo_pointer(CURL *handle, CURLINFO info, void **value);
typedef int (*ccurl_sockopt_callback)(void *userdata, curl_socket_t socket, curlsocktype purpose);
int ccurl_tcp_delivery(int socket, long long *acknowledged, long long *unacknowledged);
/// Bytes written to the socket that its peer has not acknowledged yet (unsent or in
/// flight: SIOCOUTQ), or -1.
long long ccurl_socket_unacknowledged(int socket);
/// The socket of the transfer's connection (CURLINFO_ACTIVESOCKET), or -1.
int ccurl_active_socket(CURL *handle);
CURLcode ccurl_setopt_sockopt_callback(CURL *handle, ccurl_sockopt_callback cb);
CURLMcode ccurl_multi_setopt_long(CURLM *multi, CURLMoption option, long value);

#endif
