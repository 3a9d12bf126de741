// ThreadSanitizer builds only (TOR_TSAN): C11 <threads.h> functions routed
// to their POSIX equivalents, which TSan intercepts.
//
// librdkafka creates its threads and takes its locks with glibc's C11
// threads (thrd_create, mtx_lock, cnd_wait...). GCC 12's TSan runtime does
// not intercept those: a thread started by thrd_create is unknown to TSan
// and crashes in its allocator on its first malloc, and locks taken with
// mtx_lock are invisible, so TSan would see races where librdkafka hands
// our data between its threads under its own locks. glibc implements each
// of these as the pthread function on the same object (thrd_t is a
// pthread_t, mtx_t and cnd_t share pthread's layout), so calling the
// pthread function is exactly what glibc would have done, only visible.
// Linked as a shared library into every executable of the TSan build, so
// these definitions come before libc's in symbol lookup.
#include <pthread.h>
#include <threads.h>

#include <cerrno>
#include <cstdint>
#include <new>

namespace {

int result(int rc) {
  switch (rc) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
  }
}

struct start {
  thrd_start_t func;
  void* arg;
};

void* run(void* p) {
  const start s = *static_cast<start*>(p);
  delete static_cast<start*>(p);
  return reinterpret_cast<void*>(static_cast<std::intptr_t>(s.func(s.arg)));
}

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* s = new (std::nothrow) start{func, arg};
  if (!s) return thrd_nomem;
  pthread_t t;
  const int rc = pthread_create(&t, nullptr, run, s);
  if (rc != 0) {
    delete s;
    return result(rc);
  }
  *thr = t;
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* r = nullptr;
  const int rc = pthread_join(thr, &r);
  if (rc == 0 && res) *res = static_cast<int>(reinterpret_cast<std::intptr_t>(r));
  return result(rc);
}

int thrd_detach(thrd_t thr) { return result(pthread_detach(thr)); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t a;
  pthread_mutexattr_init(&a);
  if (type & mtx_recursive) pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
  const int rc = pthread_mutex_init(reinterpret_cast<pthread_mutex_t*>(m), &a);
  pthread_mutexattr_destroy(&a);
  return result(rc);
}
int mtx_lock(mtx_t* m) { return result(pthread_mutex_lock(reinterpret_cast<pthread_mutex_t*>(m))); }
int mtx_trylock(mtx_t* m) { return result(pthread_mutex_trylock(reinterpret_cast<pthread_mutex_t*>(m))); }
int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict t) {
  return result(pthread_mutex_timedlock(reinterpret_cast<pthread_mutex_t*>(m), t));
}
int mtx_unlock(mtx_t* m) { return result(pthread_mutex_unlock(reinterpret_cast<pthread_mutex_t*>(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(reinterpret_cast<pthread_mutex_t*>(m)); }

int cnd_init(cnd_t* c) { return result(pthread_cond_init(reinterpret_cast<pthread_cond_t*>(c), nullptr)); }
int cnd_signal(cnd_t* c) { return result(pthread_cond_signal(reinterpret_cast<pthread_cond_t*>(c))); }
int cnd_broadcast(cnd_t* c) { return result(pthread_cond_broadcast(reinterpret_cast<pthread_cond_t*>(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) {
  return result(pthread_cond_wait(reinterpret_cast<pthread_cond_t*>(c), reinterpret_cast<pthread_mutex_t*>(m)));
}
int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const struct timespec* __restrict t) {
  return result(
      pthread_cond_timedwait(reinterpret_cast<pthread_cond_t*>(c), reinterpret_cast<pthread_mutex_t*>(m), t));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(reinterpret_cast<pthread_cond_t*>(c)); }

void call_once(once_flag* flag, void (*func)(void)) {
  pthread_once(reinterpret_cast<pthread_once_t*>(flag), func);
}

}  // extern "C"
