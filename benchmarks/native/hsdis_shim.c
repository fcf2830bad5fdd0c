/*
 * Lets HotSpot print the machine code C2 generates (-XX:+PrintAssembly, -XX:CompileCommand=print,...) with
 * Debian's disassembler plugin. Debian's libhsdis0-fcml exports only the old hsdis entry point,
 * decode_instructions(start, end, ...); JDK 9 and later look up decode_instructions_virtual and report
 * "Could not load hsdis-amd64.so" without it. This shim exports the new name and forwards to the old one.
 *
 *   apt-get install -y libhsdis0-fcml
 *   mkdir -p /tmp/hsdis && gcc -shared -fPIC -O2 -o /tmp/hsdis/hsdis-amd64.so benchmarks/native/hsdis_shim.c -ldl
 *   LD_LIBRARY_PATH=/tmp/hsdis java --add-modules=jdk.incubator.vector -cp benchmarks/target/adamant.jar \
 *       org.openjdk.jmh.Main MixedAdamStepBenchmark ... -jvmArgsAppend \
 *       "-XX:+UnlockDiagnosticVMOptions -XX:CompileCommand=print,*VectorMixedAdamKernel*::adamQuantized"
 */
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>

typedef void *(*event_callback)(void *stream, const char *event, void *arg);
typedef int (*printf_callback)(void *stream, const char *format, ...);
typedef void *(*old_decode)(void *start, void *end, event_callback ev, void *ev_stream,
                            printf_callback pr, void *pr_stream, const char *options);

static old_decode resolve(void) {
    static old_decode decode;
    if (decode == NULL) {
        void *library = dlopen("/usr/lib/x86_64-linux-gnu/libhsdis.so.0", RTLD_NOW | RTLD_LOCAL);
        if (library == NULL) {
            fprintf(stderr, "hsdis shim: %s\n", dlerror());
            return NULL;
        }
        decode = (old_decode) dlsym(library, "decode_instructions");
    }
    return decode;
}

// The interface HotSpot calls (hsdis.h, version 1.0 and later): the code to decode is at buffer, and
// start_va is where it runs, which for code printed from the code cache is the same place.
void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer, uintptr_t length,
                                  event_callback ev, void *ev_stream, printf_callback pr, void *pr_stream,
                                  const char *options, int newline) {
    (void) start_va;
    (void) end_va;
    (void) newline;
    old_decode decode = resolve();
    return decode == NULL ? NULL : decode(buffer, buffer + length, ev, ev_stream, pr, pr_stream, options);
}
