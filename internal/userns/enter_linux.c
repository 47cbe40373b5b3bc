// Rootless entry into skiff's user namespace, done before the Go runtime
// starts (a process can only unshare or join a user namespace while it has
// a single thread). skiff thus needs no re-execution of itself.
//
// If a supervisor of a running container holds a namespace (it registers
// itself as <runroot>/userns/<pid>, flock'ed), join its user and mount
// namespaces, so that every container of the user lives in one namespace.
// Otherwise create one: a forked child runs newuidmap/newgidmap with the
// user's /etc/subuid and /etc/subgid ranges on us, or, without ranges or
// helpers, we map our own id alone.
//
// The outcome is left in skiff_userns_* for the Go side to read.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

int skiff_userns_state;        // 0 not attempted, 1 created (subid), 2 created (single), 3 joined, -1 failed
int skiff_userns_uid = -1;     // the caller's uid and gid outside
int skiff_userns_gid = -1;
char skiff_userns_error[512];
char skiff_userns_warning[512];

#define MAX_RANGES 16

struct range { unsigned long start, count; };

static int read_ranges(const char *file, const char *name, unsigned long id, struct range *out) {
	FILE *f = fopen(file, "re");
	if (!f)
		return 0;
	char line[512], idstr[32];
	snprintf(idstr, sizeof idstr, "%lu", id);
	int n = 0;
	while (n < MAX_RANGES && fgets(line, sizeof line, f)) {
		char *user = strtok(line, ":\n");
		char *start = strtok(NULL, ":\n");
		char *count = strtok(NULL, ":\n");
		if (!user || !start || !count)
			continue;
		if (strcmp(user, name) != 0 && strcmp(user, idstr) != 0)
			continue;
		out[n].start = strtoul(start, NULL, 10);
		out[n].count = strtoul(count, NULL, 10);
		if (out[n].count > 0)
			n++;
	}
	fclose(f);
	return n;
}

static int find_helper(const char *name, char *out, size_t len) {
	const char *path = getenv("PATH");
	char buf[4096];
	snprintf(buf, sizeof buf, "%s:/usr/bin:/bin:/usr/sbin:/sbin", path ? path : "");
	for (char *dir = strtok(buf, ":"); dir; dir = strtok(NULL, ":")) {
		if (!*dir)
			continue;
		snprintf(out, len, "%s/%s", dir, name);
		if (access(out, X_OK) == 0)
			return 1;
	}
	return 0;
}

// spawn_map forks a child that waits for a byte on the gate pipe, then runs
// newuidmap or newgidmap on pid: both helpers run at once, each about
// 3 ms of a start. Returns the child's pid, or -1.
static pid_t spawn_map(const char *helper, int gate[2], pid_t pid, unsigned long own, struct range *r, int n) {
	char *argv[4 + 3 * (MAX_RANGES + 1)];
	char nums[3 * (MAX_RANGES + 2)][24];
	int a = 0, k = 0;
	argv[a++] = (char *)helper;
	snprintf(nums[k], 24, "%d", pid); argv[a++] = nums[k++];
	snprintf(nums[k], 24, "0"); argv[a++] = nums[k++];
	snprintf(nums[k], 24, "%lu", own); argv[a++] = nums[k++];
	snprintf(nums[k], 24, "1"); argv[a++] = nums[k++];
	unsigned long next = 1;
	for (int i = 0; i < n; i++) {
		snprintf(nums[k], 24, "%lu", next); argv[a++] = nums[k++];
		snprintf(nums[k], 24, "%lu", r[i].start); argv[a++] = nums[k++];
		snprintf(nums[k], 24, "%lu", r[i].count); argv[a++] = nums[k++];
		next += r[i].count;
	}
	argv[a] = NULL;
	pid_t c = fork();
	if (c != 0)
		return c;
	char b;
	close(gate[1]);
	if (read(gate[0], &b, 1) != 1)
		_exit(1);
	int devnull = open("/dev/null", O_WRONLY);
	if (devnull >= 0) {
		dup2(devnull, 1);
		dup2(devnull, 2);
	}
	execv(helper, argv);
	_exit(127);
}

// reap waits for a helper; returns 0 if it succeeded.
static int reap(pid_t c) {
	int st = 0;
	while (waitpid(c, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

static int write_file(const char *path, const char *data) {
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

// runroot mirrors internal/config: --runroot, else $XDG_RUNTIME_DIR/skiff,
// else $TMPDIR (or /tmp)/skiff-run-UID. Global flags come before the
// command word, so only those are read. Returns 1 for the last, the
// fallback in a directory every user can write to.
static int runroot(int argc, char **argv, uid_t uid, char *out, size_t len) {
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (a[0] != '-')
			break;
		if (strcmp(a, "--runroot") == 0 && i + 1 < argc) {
			snprintf(out, len, "%s", argv[i + 1]);
			return 0;
		}
		if (strncmp(a, "--runroot=", 10) == 0) {
			snprintf(out, len, "%s", a + 10);
			return 0;
		}
		if (!strcmp(a, "--root") || !strcmp(a, "--storage-driver") || !strcmp(a, "--config") || !strcmp(a, "--log-level"))
			i++;
	}
	const char *rt = getenv("XDG_RUNTIME_DIR");
	if (rt && *rt) {
		snprintf(out, len, "%s/skiff", rt);
		return 0;
	}
	const char *tmp = getenv("TMPDIR");
	snprintf(out, len, "%s/skiff-run-%u", tmp && *tmp ? tmp : "/tmp", uid);
	return 1;
}

// needs_namespace: help and version need no store, and neither does a bare
// `skiff`; everything else may.
static int needs_namespace(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--help") || !strcmp(a, "-h") || !strcmp(a, "--version") || !strcmp(a, "-v"))
			return 0;
		if (a[0] == '-') {
			if (!strcmp(a, "--root") || !strcmp(a, "--runroot") || !strcmp(a, "--storage-driver") || !strcmp(a, "--config") || !strcmp(a, "--log-level"))
				i++;
			continue;
		}
		return strcmp(a, "help") && strcmp(a, "version");
	}
	return 0;
}

// try_join works below reg, the registry's descriptor, and follows no
// symbolic link: nothing in it is opened or removed by name from the root.
static int try_join(int reg) {
	int dfd = dup(reg);
	if (dfd < 0)
		return 0;
	DIR *d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	struct dirent *e;
	int joined = 0;
	while (!joined && (e = readdir(d))) {
		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		if (e->d_type != DT_REG && e->d_type != DT_UNKNOWN)
			continue;
		int fd = openat(reg, e->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		struct stat fst;
		if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode)) {
			close(fd);
			continue;
		}
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			// Its supervisor is gone.
			unlinkat(reg, e->d_name, 0);
			close(fd);
			continue;
		}
		close(fd);
		char ns[64];
		snprintf(ns, sizeof ns, "/proc/%s/ns/user", e->d_name);
		int ufd = open(ns, O_RDONLY | O_CLOEXEC);
		snprintf(ns, sizeof ns, "/proc/%s/ns/mnt", e->d_name);
		int mfd = open(ns, O_RDONLY | O_CLOEXEC);
		if (ufd >= 0 && mfd >= 0) {
			char cwd[PATH_MAX];
			int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
			if (setns(ufd, CLONE_NEWUSER) == 0 && setns(mfd, CLONE_NEWNS) == 0) {
				joined = 1;
				if (have_cwd && chdir(cwd) < 0 && chdir("/") < 0) {
					// nothing better to do
				}
			}
		}
		if (ufd >= 0)
			close(ufd);
		if (mfd >= 0)
			close(mfd);
	}
	closedir(d);
	return joined;
}

static int in_initial_userns(void) {
	char buf[128] = {0};
	int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, buf, sizeof buf - 1);
	close(fd);
	return n > 0 && strstr(buf, "4294967295") != NULL;
}

static void create(uid_t uid, gid_t gid) {
	struct passwd *pw = getpwuid(uid);
	struct range ur[MAX_RANGES], gr[MAX_RANGES];
	int nu = 0, ng = 0;
	if (pw) {
		nu = read_ranges("/etc/subuid", pw->pw_name, uid, ur);
		ng = read_ranges("/etc/subgid", pw->pw_name, uid, gr);
	}
	char newuidmap[PATH_MAX], newgidmap[PATH_MAX];
	int helpers = find_helper("newuidmap", newuidmap, sizeof newuidmap) && find_helper("newgidmap", newgidmap, sizeof newgidmap);
	int subid = nu > 0 && ng > 0 && helpers;
	if (!subid) {
		if (nu == 0 || ng == 0)
			snprintf(skiff_userns_warning, sizeof skiff_userns_warning,
				 "no subordinate id ranges for user %s in /etc/subuid and /etc/subgid: using a single-id mapping, so files in images owned by other users will belong to you (add ranges with usermod --add-subuids/--add-subgids)",
				 pw ? pw->pw_name : "?");
		else
			snprintf(skiff_userns_warning, sizeof skiff_userns_warning,
				 "newuidmap/newgidmap not found: using a single-id mapping, so files in images owned by other users will belong to you (install the uidmap package)");
	}

	// The helpers wait on the gate for us to be in the new namespace;
	// a gate closed without a byte sends them away.
	int gate[2];
	pid_t umap = -1, gmap = -1;
	pid_t self = getpid();
	if (subid) {
		if (pipe2(gate, O_CLOEXEC) < 0) {
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "pipe: %s", strerror(errno));
			skiff_userns_state = -1;
			return;
		}
		umap = spawn_map(newuidmap, gate, self, uid, ur, nu);
		if (umap > 0)
			gmap = spawn_map(newgidmap, gate, self, gid, gr, ng);
		close(gate[0]);
		if (umap < 0 || gmap < 0) {
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "fork: %s", strerror(errno));
			skiff_userns_state = -1;
			close(gate[1]);
			if (umap > 0)
				reap(umap);
			return;
		}
	}
	if (unshare(CLONE_NEWUSER | CLONE_NEWNS) < 0) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error, "cannot create a user namespace (%s): check that unprivileged user namespaces are enabled (sysctl kernel.unprivileged_userns_clone, user.max_user_namespaces)", strerror(errno));
		skiff_userns_state = -1;
		if (subid) {
			close(gate[1]);
			reap(umap);
			reap(gmap);
		}
		return;
	}
	int mapped = 0;
	if (subid) {
		int opened = write(gate[1], "11", 2) == 2;
		close(gate[1]);
		int uok = reap(umap) == 0, gok = reap(gmap) == 0;
		mapped = opened && uok && gok;
		if (!mapped)
			snprintf(skiff_userns_warning, sizeof skiff_userns_warning,
				 "newuidmap/newgidmap failed (are they setuid root?): using a single-id mapping, so files in images owned by other users will belong to you");
	}
	if (!mapped) {
		char map[64];
		snprintf(map, sizeof map, "0 %u 1\n", uid);
		if (write_file("/proc/self/setgroups", "deny") < 0 && errno != ENOENT) {
			// older kernels have no setgroups file
		}
		if (write_file("/proc/self/uid_map", map) < 0) {
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "write uid_map: %s", strerror(errno));
			skiff_userns_state = -1;
			return;
		}
		snprintf(map, sizeof map, "0 %u 1\n", gid);
		if (write_file("/proc/self/gid_map", map) < 0) {
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "write gid_map: %s", strerror(errno));
			skiff_userns_state = -1;
			return;
		}
	}
	if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error, "become root in the user namespace: %s", strerror(errno));
		skiff_userns_state = -1;
		return;
	}
	// Keep mounts made here out of the host, and host mounts coming in.
	mount("none", "/", NULL, MS_REC | MS_SLAVE, NULL);
	skiff_userns_state = mapped ? 1 : 2;
}

static void mkdir_p(const char *path) {
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p == '/') {
			*p = 0;
			mkdir(tmp, 0700);
			*p = '/';
		}
	}
}

// private_dir makes (if missing) and opens the directory name below dirfd,
// refusing a symbolic link, anything but a directory, and a directory of
// another user's: another local user may have made the /tmp fallback first
// and put a link in it, and we must not create or remove files through
// it. strict (the fallback) also refuses any access for group or others.
// The ids in the message are the real ones: we are not in a namespace yet.
static int private_dir(int dirfd, const char *name, const char *shown, uid_t uid, int strict) {
	if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error, "create %s: %s", shown, strerror(errno));
		return -1;
	}
	int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ELOOP || errno == ENOTDIR)
			snprintf(skiff_userns_error, sizeof skiff_userns_error,
				 "%s is not a directory (a symbolic link or another file is in its place): remove it, or set XDG_RUNTIME_DIR or --runroot to a directory of your own", shown);
		else
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "open %s: %s", shown, strerror(errno));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) < 0) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error, "stat %s: %s", shown, strerror(errno));
		close(fd);
		return -1;
	}
	if (st.st_uid != uid) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error,
			 "%s belongs to uid %u, not to you (uid %u): remove it, or set XDG_RUNTIME_DIR or --runroot to a directory of your own", shown, (unsigned)st.st_uid, (unsigned)uid);
		close(fd);
		return -1;
	}
	if (strict && (st.st_mode & 077) != 0) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error,
			 "%s is open to other users (mode %04o): it must be 0700; run chmod 0700 %s, or set XDG_RUNTIME_DIR", shown, (unsigned)(st.st_mode & 07777), shown);
		close(fd);
		return -1;
	}
	return fd;
}

// open_registry opens <runroot>/userns through private directories. The
// run root's parent is the user's choice (--runroot, XDG_RUNTIME_DIR) or
// the shared temporary directory, so it is taken as it is; the run root
// and everything below it are not.
static int open_registry(const char *rr, int fallback, uid_t uid) {
	char parent[PATH_MAX];
	snprintf(parent, sizeof parent, "%s", rr);
	size_t n = strlen(parent);
	while (n > 1 && parent[n - 1] == '/')
		parent[--n] = 0;
	char *slash = strrchr(parent, '/');
	const char *base;
	int pfd;
	if (!fallback)
		mkdir_p(parent);
	if (!slash) {
		base = parent;
		pfd = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	} else {
		*slash = 0;
		base = slash + 1;
		pfd = open(slash == parent ? "/" : parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (pfd < 0) {
		snprintf(skiff_userns_error, sizeof skiff_userns_error, "open the parent of %s: %s", rr, strerror(errno));
		return -1;
	}
	int rfd = private_dir(pfd, base, rr, uid, fallback);
	close(pfd);
	if (rfd < 0)
		return -1;
	char shown[PATH_MAX + 8];
	snprintf(shown, sizeof shown, "%s/userns", rr);
	int reg = private_dir(rfd, "userns", shown, uid, 0);
	close(rfd);
	return reg;
}

// hold registers this process in the registry while it lives; the
// descriptor is close-on-exec, so programs we start do not inherit it.
static void hold(int reg) {
	char name[32];
	snprintf(name, sizeof name, "%d", getpid());
	int fd = openat(reg, name, O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd >= 0 && flock(fd, LOCK_EX) < 0)
		close(fd);
}

__attribute__((constructor)) static void skiff_userns_enter(int argc, char **argv) {
	uid_t uid = geteuid();
	gid_t gid = getegid();
	if (uid == 0 || getenv("_SKIFF_NO_USERNS"))
		return;
	if (!in_initial_userns())
		return;
	if (!needs_namespace(argc, argv))
		return;
	skiff_userns_uid = uid;
	skiff_userns_gid = gid;
	char rr[PATH_MAX];
	int fallback = runroot(argc, argv, uid, rr, sizeof rr);
	// Nothing is created, opened or removed before the run root is known
	// to be ours.
	int reg = open_registry(rr, fallback, uid);
	if (reg < 0) {
		skiff_userns_state = -1;
		return;
	}
	// One creator at a time: others wait, then join what it made.
	int lock = openat(reg, ".create.lock", O_CREAT | O_RDWR | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (lock >= 0)
		flock(lock, LOCK_EX);
	int joined = try_join(reg);
	if (!joined) {
		create(uid, gid);
		if (skiff_userns_state > 0)
			hold(reg);
	}
	close(reg);
	if (lock >= 0)
		close(lock);
	if (joined) {
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0) {
			snprintf(skiff_userns_error, sizeof skiff_userns_error, "become root in the joined user namespace: %s", strerror(errno));
			skiff_userns_state = -1;
			return;
		}
		skiff_userns_state = 3;
	}
}
