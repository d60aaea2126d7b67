/* The ceiling for the transport: one reused libcurl easy handle sending COUNT messages of
 * SIZE bytes, one recipient each, in a loop, with nothing else around it.
 *
 *   cc -O2 -o curl-ceiling Benchmarks/curl-ceiling.c $(pkg-config --cflags --libs libcurl)
 *   ./curl-ceiling smtp://127.0.0.1:2525 20000 2000
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct source { const char *data; size_t length, offset; };

static size_t read_message(char *buffer, size_t size, size_t count, void *user) {
    struct source *source = user;
    size_t length = size * count;
    if (length > source->length - source->offset) length = source->length - source->offset;
    memcpy(buffer, source->data + source->offset, length);
    source->offset += length;
    return length;
}

int main(int argc, char **argv) {
    if (argc < 3) { fprintf(stderr, "usage: %s URL COUNT [SIZE]\n", argv[0]); return 2; }
    long count = atol(argv[2]);
    size_t size = argc > 3 ? (size_t)atol(argv[3]) : 2000;

    const char *header = "From: <dpo@example.org>\r\nTo: <subject@example.test>\r\nSubject: benchmark\r\n\r\n";
    char line[79];
    memset(line, 'x', 76); line[76] = '\r'; line[77] = '\n'; line[78] = 0;
    size_t lines = size > strlen(header) ? (size - strlen(header)) / 78 : 0;
    char *message = malloc(strlen(header) + lines * 78 + 1);
    strcpy(message, header);
    for (size_t i = 0; i < lines; i++) strcat(message, line);

    curl_global_init(CURL_GLOBAL_DEFAULT);
    CURL *curl = curl_easy_init();
    struct curl_slist *recipients = curl_slist_append(NULL, "<subject@example.test>");
    struct source source = { message, strlen(message), 0 };
    curl_easy_setopt(curl, CURLOPT_URL, argv[1]);
    curl_easy_setopt(curl, CURLOPT_MAIL_FROM, "<bounce@example.org>");
    curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, recipients);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(curl, CURLOPT_READDATA, &source);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)source.length);

    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    long failed = 0;
    for (long i = 0; i < count; i++) {
        source.offset = 0;
        if (curl_easy_perform(curl) != CURLE_OK) failed++;
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    double seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    printf("C ceiling: 1 connection, %ld/%ld accepted, %zu bytes, %.2f s, %.0f msg/s\n",
           count - failed, count, source.length, seconds, count / seconds);

    curl_slist_free_all(recipients);
    curl_easy_cleanup(curl);
    curl_global_cleanup();
    free(message);
    return failed ? 1 : 0;
}
