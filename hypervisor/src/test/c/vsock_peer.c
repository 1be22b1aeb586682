/*
 * The guest side of VsockL1Test: a static program run from the test guest's /init (busybox has no vsock tool).
 *
 *   vsock_peer connect <cid> <port> <connections> <bytes>   guest-initiated: opens <connections> streams at once
 *   vsock_peer serve <port> <connections> <bytes>           host-initiated: listens, serves <connections> streams
 *
 * Every stream runs the same exchange, so the host test speaks it too: the initiator sends an 8-byte little-endian
 * seed, then <bytes> of the splitmix64 stream of that seed; the responder checks them byte for byte, then sends
 * <bytes> of the stream of (seed XOR REPLY_SEED_MASK), which the initiator checks. Both sides CRC-32 (zlib's) what
 * they sent and received; the result line carries them so the host can compare against its own.
 *
 * One line per run on stdout, prefixed for the test to find:
 *   STOCKADE-GUEST: vsock <mode> port=P connections=N ok=K bytes=B seed=S crc_sent=X crc_received=Y ms=T
 * (seed and crc_* are those of the first stream opened or accepted) and, for each failed stream, a line naming the stream and the error.
 * "serve" also prints "... vsock serving port=P" once it listens, which is the host's cue to connect.
 * The exit status is 0 only if every stream succeeded.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/vm_sockets.h>

#define SAY "STOCKADE-GUEST: "
#define REPLY_SEED_MASK 0x5bd1e9955bd1e995ULL
#define CHUNK (64 * 1024)
#define IO_TIMEOUT_SECONDS 120

struct stream {
    int index;
    int fd;
    uint64_t seed;
    uint64_t bytes;
    uint32_t crc_sent;
    uint32_t crc_received;
    int ok;
    char error[200];
};

struct splitmix {
    uint64_t state;
    uint8_t pending[8];
    int available;
};

static uint64_t splitmix_next(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The stream is the 64-bit outputs in little-endian order, so any chunking yields the same bytes. */
static void splitmix_fill(struct splitmix *g, uint8_t *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (g->available == 0) {
            uint64_t v = splitmix_next(&g->state);
            for (int b = 0; b < 8; b++) {
                g->pending[b] = (uint8_t) (v >> (8 * b));
            }
            g->available = 8;
        }
        out[i] = g->pending[8 - g->available--];
    }
}

static uint32_t crc_table[256];

static void crc_init(void) {
    for (uint32_t n = 0; n < 256; n++) {
        uint32_t c = n;
        for (int k = 0; k < 8; k++) {
            c = c & 1 ? 0xedb88320U ^ (c >> 1) : c >> 1;
        }
        crc_table[n] = c;
    }
}

/* Running CRC-32 as zlib's crc32() and java.util.zip.CRC32 compute it (start with 0). */
static uint32_t crc_update(uint32_t crc, const uint8_t *p, size_t n) {
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    }
    return ~crc;
}

static int fail(struct stream *s, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof s->error, fmt, ap);
    va_end(ap);
    return -1;
}

static int read_fully(struct stream *s, uint8_t *buf, size_t n, uint64_t offset, const char *what) {
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(s->fd, buf + got, n - got);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            return fail(s, "read of %s at byte %" PRIu64 ": %s", what, offset + got, strerror(errno));
        }
        if (r == 0) {
            return fail(s, "end of stream in %s at byte %" PRIu64, what, offset + got);
        }
        got += (size_t) r;
    }
    return 0;
}

static int write_fully(struct stream *s, const uint8_t *buf, size_t n, uint64_t offset) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(s->fd, buf + done, n - done);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w < 0) {
            return fail(s, "write at byte %" PRIu64 ": %s", offset + done, strerror(errno));
        }
        done += (size_t) w;
    }
    return 0;
}

static int send_stream(struct stream *s, uint64_t seed) {
    static __thread uint8_t buf[CHUNK];
    struct splitmix g = {.state = seed};
    for (uint64_t off = 0; off < s->bytes; off += CHUNK) {
        size_t n = s->bytes - off < CHUNK ? (size_t) (s->bytes - off) : CHUNK;
        splitmix_fill(&g, buf, n);
        s->crc_sent = crc_update(s->crc_sent, buf, n);
        if (write_fully(s, buf, n, off) < 0) {
            return -1;
        }
    }
    return 0;
}

static int check_stream(struct stream *s, uint64_t seed) {
    static __thread uint8_t buf[CHUNK];
    static __thread uint8_t want[CHUNK];
    struct splitmix g = {.state = seed};
    for (uint64_t off = 0; off < s->bytes; off += CHUNK) {
        size_t n = s->bytes - off < CHUNK ? (size_t) (s->bytes - off) : CHUNK;
        if (read_fully(s, buf, n, off, "the payload") < 0) {
            return -1;
        }
        s->crc_received = crc_update(s->crc_received, buf, n);
        splitmix_fill(&g, want, n);
        if (memcmp(buf, want, n) != 0) {
            size_t i = 0;
            while (buf[i] == want[i]) {
                i++;
            }
            return fail(s, "payload differs at byte %" PRIu64 ": got 0x%02x, want 0x%02x", off + i, buf[i], want[i]);
        }
    }
    return 0;
}

static void *initiate(void *arg) {
    struct stream *s = arg;
    uint8_t seed[8];
    for (int b = 0; b < 8; b++) {
        seed[b] = (uint8_t) (s->seed >> (8 * b));
    }
    s->ok = write_fully(s, seed, sizeof seed, 0) == 0 && send_stream(s, s->seed) == 0
            && check_stream(s, s->seed ^ REPLY_SEED_MASK) == 0;
    close(s->fd);
    return NULL;
}

static void *respond(void *arg) {
    struct stream *s = arg;
    uint8_t raw[8];
    if (read_fully(s, raw, sizeof raw, 0, "the seed") == 0) {
        for (int b = 0; b < 8; b++) {
            s->seed |= (uint64_t) raw[b] << (8 * b);
        }
        s->ok = check_stream(s, s->seed) == 0 && send_stream(s, s->seed ^ REPLY_SEED_MASK) == 0;
    }
    close(s->fd);
    return NULL;
}

static void set_timeouts(int fd) {
    struct timeval tv = {.tv_sec = IO_TIMEOUT_SECONDS};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
}

static int64_t now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t) t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned long parse(const char *what, const char *text) {
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 0);
    if (errno != 0 || *end != '\0' || end == text) {
        fprintf(stderr, "vsock_peer: %s '%s' is not a number\n", what, text);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv) {
    int connect_mode = argc == 6 && strcmp(argv[1], "connect") == 0;
    int serve_mode = argc == 5 && strcmp(argv[1], "serve") == 0;
    if (!connect_mode && !serve_mode) {
        fprintf(stderr, "usage: vsock_peer connect <cid> <port> <connections> <bytes>\n"
                        "       vsock_peer serve <port> <connections> <bytes>\n");
        return 2;
    }
    setvbuf(stdout, NULL, _IOLBF, 0);
    crc_init();
    int a = connect_mode ? 3 : 2;
    unsigned cid = connect_mode ? (unsigned) parse("cid", argv[2]) : VMADDR_CID_ANY;
    unsigned port = (unsigned) parse("port", argv[a]);
    int count = (int) parse("connections", argv[a + 1]);
    uint64_t bytes = parse("bytes", argv[a + 2]);
    if (count < 1 || count > 1024) {
        fprintf(stderr, "vsock_peer: connections must be 1..1024, got %d\n", count);
        return 2;
    }
    struct stream *streams = calloc((size_t) count, sizeof *streams);
    pthread_t *threads = calloc((size_t) count, sizeof *threads);
    int *started = calloc((size_t) count, sizeof *started);
    struct sockaddr_vm addr = {.svm_family = AF_VSOCK, .svm_cid = cid, .svm_port = port};
    int listener = -1;
    if (serve_mode) {
        listener = socket(AF_VSOCK, SOCK_STREAM, 0);
        if (listener < 0 || bind(listener, (struct sockaddr *) &addr, sizeof addr) < 0 || listen(listener, count) < 0) {
            printf(SAY "vsock serve port=%u: cannot listen: %s\n", port, strerror(errno));
            return 1;
        }
        printf(SAY "vsock serving port=%u\n", port);
    }
    int64_t start = now_ms();
    for (int i = 0; i < count; i++) {
        struct stream *s = &streams[i];
        s->index = i;
        s->bytes = bytes;
        if (connect_mode) {
            s->seed = 0x100000000ULL * port + (uint64_t) i; /* a responder learns the seed from the stream */
        }
        if (serve_mode) {
            s->fd = accept(listener, NULL, NULL);
            if (s->fd < 0) {
                fail(s, "accept: %s", strerror(errno));
                continue;
            }
        } else {
            s->fd = socket(AF_VSOCK, SOCK_STREAM, 0);
            if (s->fd < 0 || connect(s->fd, (struct sockaddr *) &addr, sizeof addr) < 0) {
                fail(s, "connect to cid %u port %u: %s", cid, port, strerror(errno));
                if (s->fd >= 0) {
                    close(s->fd);
                }
                continue;
            }
        }
        set_timeouts(s->fd);
        int rc = pthread_create(&threads[i], NULL, serve_mode ? respond : initiate, s);
        if (rc != 0) {
            fail(s, "pthread_create: %s", strerror(rc));
            close(s->fd);
            continue;
        }
        started[i] = 1;
    }
    int ok = 0;
    for (int i = 0; i < count; i++) {
        if (started[i]) {
            pthread_join(threads[i], NULL);
        }
        ok += streams[i].ok;
    }
    int64_t ms = now_ms() - start;
    if (listener >= 0) {
        close(listener);
    }
    for (int i = 0; i < count; i++) {
        if (!streams[i].ok) {
            printf(SAY "vsock %s port=%u stream %d failed: %s\n", argv[1], port, i, streams[i].error);
        }
    }
    printf(SAY "vsock %s port=%u connections=%d ok=%d bytes=%" PRIu64 " seed=%016" PRIx64 " crc_sent=%08x"
           " crc_received=%08x ms=%" PRId64 "\n", argv[1], port, count, ok, bytes, streams[0].seed,
           streams[0].crc_sent, streams[0].crc_received, ms);
    return ok == count ? 0 : 1;
}
