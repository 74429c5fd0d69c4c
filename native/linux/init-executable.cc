// tsrun-init travels inside the addon (so a prebuilt addon is one file) and
// runs from a memfd sealed against writes: a container that reopens its
// init's /proc/self/exe finds nothing it can change (CVE-2019-5736). Where
// the host forbids executing memfds (vm.memfd_noexec=2), spawning fails with
// an error that says so (EACCES from "spawn tsrun-init").
#include "init-executable.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <mutex>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U  // Linux 6.3: say that the memfd is meant to be executed
#endif

#define TSRUN_STR2(x) #x
#define TSRUN_STR(x) TSRUN_STR2(x)

// The build passes TSRUN_INIT_PATH: where it put the tsrun-init executable.
__asm__(
    ".section .rodata\n"
    ".balign 16\n"
    "tsrun_init_start:\n"
    ".incbin \"" TSRUN_STR(TSRUN_INIT_PATH) "\"\n"
    "tsrun_init_end:\n"
    ".previous\n");
extern "C" const char tsrun_init_start[] __asm__("tsrun_init_start");
extern "C" const char tsrun_init_end[] __asm__("tsrun_init_end");

namespace tsrun {

namespace {

int MakeSealed(const char** why) {
  unsigned int flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  int fd = static_cast<int>(syscall(SYS_memfd_create, "tsrun-init", flags | MFD_EXEC));
  if (fd < 0 && errno == EINVAL) fd = static_cast<int>(syscall(SYS_memfd_create, "tsrun-init", flags));
  if (fd < 0) {
    *why = "memfd_create tsrun-init";
    return -1;
  }
  const char* p = tsrun_init_start;
  while (p < tsrun_init_end) {
    ssize_t n = write(fd, p, static_cast<size_t>(tsrun_init_end - p));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      *why = "write tsrun-init";
      int err = errno;
      close(fd);
      errno = err;
      return -1;
    }
    p += n;
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0) {
    *why = "seal tsrun-init";
    int err = errno;
    close(fd);
    errno = err;
    return -1;
  }
  return fd;
}

}  // namespace

int InitExecutable(const char** why) {
  // Worker threads may load the addon too. A failure is not kept: the next
  // spawn tries again.
  static std::mutex lock;
  static int fd = -1;
  std::lock_guard<std::mutex> hold(lock);
  if (fd < 0) fd = MakeSealed(why);
  return fd;
}

}  // namespace tsrun
