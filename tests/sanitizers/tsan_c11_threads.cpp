// Linked into every executable of a ThreadSanitizer build (BRINKWATCH_SANITIZE=thread), nowhere
// else. librdkafka creates its threads and locks its queues with the C11 <threads.h> API; glibc
// (2.34 and later) implements that API by calling its internal pthread functions directly, so
// clang 14's TSan, which intercepts only the public pthread entry points, never sees those
// threads start (the first malloc in one of them crashes the runtime) nor those locks (the
// hand-offs through librdkafka's queues would look like races). Defined here, in the executable,
// these C11 functions take precedence over glibc's for librdkafka and forward to the public
// pthread functions, which TSan intercepts. glibc defines mtx_t, cnd_t and once_flag with the
// layout of pthread_mutex_t, pthread_cond_t and pthread_once_t, and thrd_t is pthread_t.
// The set is what librdkafka imports (nm -D --undefined-only librdkafka.so.1), plus the
// trylock/timedlock/detach/exit relatives so that none of them mixes glibc and pthread paths.
#include <threads.h>

#include <pthread.h>

#include <cerrno>
#include <cstdint>
#include <new>

static_assert(sizeof(mtx_t) == sizeof(pthread_mutex_t));
static_assert(sizeof(cnd_t) == sizeof(pthread_cond_t));
static_assert(sizeof(once_flag) == sizeof(pthread_once_t));
static_assert(sizeof(thrd_t) == sizeof(pthread_t));

namespace {

struct Start {
  thrd_start_t func;
  void* arg;
};

void* trampoline(void* p) {
  const Start s = *static_cast<Start*>(p);
  delete static_cast<Start*>(p);
  return reinterpret_cast<void*>(static_cast<intptr_t>(s.func(s.arg)));
}

int to_thrd(int err) {
  switch (err) {
    case 0: return thrd_success;
    case EBUSY: return thrd_busy;
    case ETIMEDOUT: return thrd_timedout;
    case ENOMEM: return thrd_nomem;
    default: return thrd_error;
  }
}

pthread_mutex_t* pm(mtx_t* m) { return reinterpret_cast<pthread_mutex_t*>(m); }
pthread_cond_t* pc(cnd_t* c) { return reinterpret_cast<pthread_cond_t*>(c); }

}  // namespace

extern "C" {

int thrd_create(thrd_t* thr, thrd_start_t func, void* arg) {
  auto* s = new (std::nothrow) Start{func, arg};
  if (s == nullptr) return thrd_nomem;
  pthread_t t;
  const int err = pthread_create(&t, nullptr, trampoline, s);
  if (err) {
    delete s;
    return to_thrd(err);
  }
  *thr = t;
  return thrd_success;
}

int thrd_join(thrd_t thr, int* res) {
  void* ret = nullptr;
  if (pthread_join(thr, &ret)) return thrd_error;
  if (res) *res = static_cast<int>(reinterpret_cast<intptr_t>(ret));
  return thrd_success;
}

int thrd_detach(thrd_t thr) { return to_thrd(pthread_detach(thr)); }

void thrd_exit(int res) { pthread_exit(reinterpret_cast<void*>(static_cast<intptr_t>(res))); }

void call_once(once_flag* flag, void (*func)()) { pthread_once(reinterpret_cast<pthread_once_t*>(flag), func); }

int mtx_init(mtx_t* m, int type) {
  pthread_mutexattr_t attr;
  pthread_mutexattr_init(&attr);
  if (type & mtx_recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
  const int err = pthread_mutex_init(pm(m), &attr);
  pthread_mutexattr_destroy(&attr);
  return to_thrd(err);
}
int mtx_lock(mtx_t* m) { return to_thrd(pthread_mutex_lock(pm(m))); }
int mtx_trylock(mtx_t* m) { return to_thrd(pthread_mutex_trylock(pm(m))); }
int mtx_timedlock(mtx_t* __restrict m, const struct timespec* __restrict ts) {
  return to_thrd(pthread_mutex_timedlock(pm(m), ts));
}
int mtx_unlock(mtx_t* m) { return to_thrd(pthread_mutex_unlock(pm(m))); }
void mtx_destroy(mtx_t* m) { pthread_mutex_destroy(pm(m)); }

int cnd_init(cnd_t* c) { return to_thrd(pthread_cond_init(pc(c), nullptr)); }
int cnd_signal(cnd_t* c) { return to_thrd(pthread_cond_signal(pc(c))); }
int cnd_broadcast(cnd_t* c) { return to_thrd(pthread_cond_broadcast(pc(c))); }
int cnd_wait(cnd_t* c, mtx_t* m) { return to_thrd(pthread_cond_wait(pc(c), pm(m))); }
int cnd_timedwait(cnd_t* __restrict c, mtx_t* __restrict m, const struct timespec* __restrict ts) {
  return to_thrd(pthread_cond_timedwait(pc(c), pm(m), ts));
}
void cnd_destroy(cnd_t* c) { pthread_cond_destroy(pc(c)); }

}  // extern "C"
