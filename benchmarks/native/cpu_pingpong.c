/*
 * How far apart the machine's first two CPUs are: the round trip of a cache line bounced between a
 * thread pinned to CPU 0 and one pinned to CPU 1. Two hardware threads of one core share their L1
 * and answer fastest; two cores behind one L3 take tens of nanoseconds; two L3s (chiplets) or two
 * sockets take longer still. On a VM it tells whether the host moved the two virtual CPUs apart.
 *
 *   gcc -O2 -pthread -o /tmp/cpu_pingpong benchmarks/native/cpu_pingpong.c && /tmp/cpu_pingpong
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <time.h>

static _Alignas(64) atomic_long turn;
static const long ROUNDS = 2000000;

static void pin(int cpu) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

// odd values are the ping's, even values the pong's answers
static void *pong(void *unused) {
    (void) unused;
    pin(1);
    for (long i = 0; i < ROUNDS; i++) {
        while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 1) {
        }
        atomic_store_explicit(&turn, 2 * i + 2, memory_order_release);
    }
    return NULL;
}

int main(void) {
    pthread_t other;
    pin(0);
    pthread_create(&other, NULL, pong, NULL);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (long i = 0; i < ROUNDS; i++) {
        atomic_store_explicit(&turn, 2 * i + 1, memory_order_release);
        while (atomic_load_explicit(&turn, memory_order_acquire) != 2 * i + 2) {
        }
    }
    clock_gettime(CLOCK_MONOTONIC, &end);
    pthread_join(other, NULL);
    double ns = (end.tv_sec - start.tv_sec) * 1e9 + (end.tv_nsec - start.tv_nsec);
    printf("round trip between CPU 0 and CPU 1: %.1f ns\n", ns / ROUNDS);
    return 0;
}
