// Package container keeps the record and the runtime state of containers.
//
// A container is a containers/storage container (its read-write layer, its
// unique name, its directories) carrying skiff's Config as big data. Its
// runtime State is a file the supervisor writes atomically; whether the
// supervisor still lives is told by an flock it holds for its whole life.
package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"go.podman.io/storage"
	"go.podman.io/storage/pkg/idtools"
	"go.podman.io/storage/types"

	"go.podman.io/storage/pkg/stringid"

	"github.com/skiff-containers/skiff/internal/names"
	"github.com/skiff-containers/skiff/internal/network"
	"github.com/skiff-containers/skiff/internal/resources"
	"github.com/skiff-containers/skiff/internal/restart"
	"github.com/skiff-containers/skiff/internal/runspec"
	"github.com/skiff-containers/skiff/internal/state"
)

// Statuses, as Docker names them.
const (
	StatusCreated = state.StatusCreated
	StatusRunning = state.StatusRunning
	StatusExited  = state.StatusExited
)

const (
	configKey     = "skiff-config"
	stateFile     = "state.json"
	lockFile      = "supervisor.lock"
	logFile       = "ctr.log"
	defaultSignal = "SIGTERM"
)

// ErrNotFound is a container that does not exist.
var ErrNotFound = errors.New("no such container")

// ErrNameInUse is a name another container has.
var ErrNameInUse = errors.New("name is already in use")

// Config is what a container was created with.
type Config struct {
	ID         string    `json:"id"`
	Name       string    `json:"name"`
	Created    time.Time `json:"created"`
	Image      string    `json:"image"`     // as the user named it
	ImageName  string    `json:"imageName"` // canonical reference, if any
	ImageID    string    `json:"imageId"`
	Entrypoint []string  `json:"entrypoint,omitempty"`
	Cmd        []string  `json:"cmd,omitempty"`
	// Args is the process's argv: the entrypoint and cmd resolved.
	Args       []string          `json:"args"`
	Env        []string          `json:"env,omitempty"`
	WorkingDir string            `json:"workingDir,omitempty"`
	User       string            `json:"user,omitempty"`
	Hostname   string            `json:"hostname"`
	Tty        bool              `json:"tty"`
	OpenStdin  bool              `json:"openStdin"`
	Labels     map[string]string `json:"labels,omitempty"`
	StopSignal string            `json:"stopSignal,omitempty"`
	// StopTimeout in seconds; nil means the default (10).
	StopTimeout *int `json:"stopTimeout,omitempty"`
	AutoRemove  bool `json:"autoRemove"`
	// EndsWithCaller: the container is killed when the attached caller
	// that started it goes away without detaching (a build's RUN).
	EndsWithCaller bool       `json:"endsWithCaller,omitempty"`
	Init           bool       `json:"init"`
	Host           HostConfig `json:"host"`
	Log            LogConfig  `json:"log"`
	// Incomplete marks a record whose creation was cut short; it can
	// only be removed.
	Incomplete bool `json:"-"`
	// Mounts are the bind mounts and tmpfs of -v and --tmpfs.
	Mounts          []runspec.Mount `json:"mounts,omitempty"`
	NoNewPrivileges bool            `json:"noNewPrivileges"`
	Domainname      string          `json:"domainname,omitempty"`
	// CreateCommand is the command line that made the container, for
	// `generate systemd --new`.
	CreateCommand []string `json:"createCommand,omitempty"`
	// SDNotify is --sdnotify: who tells systemd the container is ready.
	SDNotify string `json:"sdnotify,omitempty"`
	// ExposedPorts are the image's and --expose's ("80/tcp").
	ExposedPorts []string `json:"exposedPorts,omitempty"`
}

// HostConfig echoes the host-side options for inspect.
type HostConfig struct {
	Binds       []string `json:"binds,omitempty"`
	Tmpfs       []string `json:"tmpfs,omitempty"`
	NetworkMode string   `json:"networkMode"`
	// NetworkOptions are the default network's, from --network
	// slirp4netns:KEY=VALUE,...
	NetworkOptions network.SlirpOptions `json:"networkOptions,omitzero"`
	CapAdd         []string             `json:"capAdd,omitempty"`
	CapDrop        []string             `json:"capDrop,omitempty"`
	Privileged     bool                 `json:"privileged"`
	ReadonlyRootfs bool                 `json:"readonlyRootfs"`
	SecurityOpt    []string             `json:"securityOpt,omitempty"`
	// UsernsMode is "" (the caller's namespace) or "auto" (a range of its
	// own, for root).
	UsernsMode string `json:"usernsMode,omitempty"`
	// PortBindings are -p's; a HostPort of 0 is chosen at each start.
	PortBindings    []network.Port `json:"portBindings,omitempty"`
	PublishAllPorts bool           `json:"publishAllPorts,omitempty"`
	DNS             []string       `json:"dns,omitempty"`
	DNSSearch       []string       `json:"dnsSearch,omitempty"`
	DNSOptions      []string       `json:"dnsOptions,omitempty"`
	// ExtraHosts are --add-host's, as NAME:IP.
	ExtraHosts []string `json:"extraHosts,omitempty"`
	// Networks are the user-defined networks the container is on; the
	// first is its NetworkMode.
	Networks []NetAttach `json:"networks,omitempty"`
	// Resources are the cgroup limits; StrictLimits refuses to start
	// where they cannot apply (instead of a warning).
	Resources    resources.Limits `json:"resources"`
	StrictLimits bool             `json:"strictLimits,omitempty"`
	OOMScoreAdj  *int             `json:"oomScoreAdj,omitempty"`
	// RestartPolicy is --restart's, carried out by the container's monitor.
	RestartPolicy restart.Policy `json:"restartPolicy,omitzero"`
	// Ulimits are the container's own resource limits (its others are
	// its starter's), one per name.
	Ulimits []Ulimit `json:"ulimits,omitempty"`
	// CgroupnsMode is CgroupnsHost or CgroupnsPrivate; empty (a record of
	// an older skiff) is the host's.
	CgroupnsMode string `json:"cgroupnsMode,omitempty"`
	// DeviceCgroupRules are device cgroup rules ("c 1:3 rwm") allowed on
	// top of the defaults.
	DeviceCgroupRules []string `json:"deviceCgroupRules,omitempty"`
}

// Cgroup namespace modes, as Docker names them.
const (
	CgroupnsHost    = "host"
	CgroupnsPrivate = "private"
)

// Ulimit is one resource limit, as Docker's inspect shows it; -1 is
// unlimited.
type Ulimit struct {
	Name string `json:"name"`
	Soft int64  `json:"soft"`
	Hard int64  `json:"hard"`
}

// NetAttach is a container's place on a user-defined network.
type NetAttach struct {
	Name    string   `json:"name"`
	Aliases []string `json:"aliases,omitempty"`
	IP      string   `json:"ip,omitempty"` // requested (--ip)
}

// StopSignalOrDefault is the signal stop sends first.
func (c *Config) StopSignalOrDefault() string {
	if c.StopSignal != "" {
		return c.StopSignal
	}
	return defaultSignal
}

// StopTimeoutOrDefault is how long stop waits before SIGKILL.
func (c *Config) StopTimeoutOrDefault() time.Duration {
	if c.StopTimeout != nil {
		return time.Duration(*c.StopTimeout) * time.Second
	}
	return 10 * time.Second
}

// Container is one container.
type Container struct {
	Config
	// Dir keeps what survives a reboot: state, logs, generated /etc files.
	Dir string
	// RunDir keeps what must not: the supervisor lock, runtime state.
	RunDir string
	// LayerID is the read-write layer.
	LayerID string
	// UIDMap and GIDMap are set for a container with a user namespace of
	// its own (--userns=auto); its files are owned accordingly.
	UIDMap, GIDMap []specs.LinuxIDMapping
}

// LogPath is the json-file log.
func (c *Container) LogPath() string { return filepath.Join(c.Dir, logFile) }

// CheckComplete refuses a container whose creation was cut short: it can
// only be removed.
func (c *Container) CheckComplete() error {
	if c.Incomplete {
		return fmt.Errorf("container %s was not completely created (its creator was killed): remove it", c.Name)
	}
	return nil
}

// StatePath is the state file.
func (c *Container) StatePath() string { return filepath.Join(c.Dir, stateFile) }

// LockPath is the supervisor's lock.
func (c *Container) LockPath() string { return filepath.Join(c.RunDir, lockFile) }

// StoppedMarker exists while the container stays stopped by its user's
// stop, whatever its restart policy says; the next start removes it.
func (c *Container) StoppedMarker() string { return filepath.Join(c.RunDir, "stopped") }

// RuntimeRoot is where libcontainer keeps its state for this container.
func (c *Container) RuntimeRoot() string { return filepath.Join(c.RunDir, "runtime") }

// State reads the runtime state and corrects it for a supervisor that died
// without writing its last words: the container died with it (the
// supervisor is its parent and it has the parent-death signal).
func (c *Container) State() (state.State, error) {
	var st state.State
	data, err := os.ReadFile(c.StatePath())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return state.State{Status: StatusCreated}, nil
	case err != nil:
		return st, fmt.Errorf("read state of %s: %w", c.Name, err)
	}
	if err := json.Unmarshal(data, &st); err != nil {
		if state.SupervisorAlive(c.LockPath()) {
			return st, fmt.Errorf("parse state of %s: %w", c.Name, err)
		}
		// Torn by a crash of the machine (a --rm container's state is
		// not synced): whatever ran is gone.
		return state.State{Status: StatusExited, ExitCode: 137, Error: "its state was lost in a crash of the machine"}, nil
	}
	if st.Status == StatusRunning && !state.SupervisorAlive(c.LockPath()) {
		st.Status = StatusExited
		st.ExitCode = 137
		st.Error = "the supervisor was killed; the container was killed with it"
		if st.FinishedAt.IsZero() {
			if fi, err := os.Stat(c.LockPath()); err == nil {
				st.FinishedAt = fi.ModTime()
			} else {
				st.FinishedAt = time.Now()
			}
			// The lock file is older than the start it was taken for.
			if st.FinishedAt.Before(st.StartedAt) {
				st.FinishedAt = st.StartedAt
			}
		}
		st.Pid = 0
		st.Ports = nil
	}
	return st, nil
}

// ValidName checks a container name the way Docker does.
func ValidName(name string) error {
	if !names.Valid(name) {
		return fmt.Errorf("invalid container name %q: use letters, digits, '_', '.' and '-', starting with a letter or digit", name)
	}
	return nil
}

// Store manages containers in an image store's containers/storage.
type Store struct {
	s storage.Store
}

// NewStore wraps an open containers/storage store.
func NewStore(s storage.Store) *Store { return &Store{s: s} }

// Create records a new container on imageID. The record and its config
// are written in one step by containers/storage, so a process killed at any
// moment leaves either no container or a whole one. The name is claimed
// atomically too: of two creators racing for a name exactly one wins.
func (cs *Store) Create(cfg Config) (*Container, error) {
	if err := ValidName(cfg.Name); err != nil {
		return nil, err
	}
	cfg.ID = stringid.GenerateRandomID()
	if cfg.Hostname == "" {
		cfg.Hostname = cfg.ID[:12]
	}
	data, err := json.Marshal(&cfg)
	if err != nil {
		return nil, err
	}
	unlock, err := cs.lockNames()
	if err != nil {
		return nil, err
	}
	defer unlock()
	// A --rm container lives only as long as it runs: its record and
	// its layer are written without syncs (and overlay mounts its upper
	// layer "volatile"), as podman does, since a crash ends it anyway.
	opts := &storage.ContainerOptions{BigData: []storage.ContainerBigDataOption{{Key: configKey, Data: data}}, Volatile: cfg.AutoRemove}
	if cfg.Host.UsernsMode == "auto" {
		opts.IDMappingOptions = types.IDMappingOptions{AutoUserNs: true, AutoUserNsOpts: types.AutoUserNsOptions{Size: 65536}}
	}
	c, err := cs.s.CreateContainer(cfg.ID, []string{cfg.Name}, cfg.ImageID, "", "", opts)
	if err != nil {
		if errors.Is(err, storage.ErrDuplicateName) {
			return nil, fmt.Errorf("container name %q: %w: remove that container or choose another name", cfg.Name, ErrNameInUse)
		}
		if cfg.Host.UsernsMode == "auto" {
			return nil, fmt.Errorf("--userns=auto: %w (it needs 65536 subordinate ids of its user in /etc/subuid and /etc/subgid)", err)
		}
		return nil, fmt.Errorf("create container: %w", err)
	}
	return cs.load(c)
}

// SaveConfig records a changed configuration (network connect and
// disconnect).
func (cs *Store) SaveConfig(c *Container) error { return cs.saveConfig(c.ID, &c.Config) }

func (cs *Store) saveConfig(id string, cfg *Config) error {
	data, err := json.Marshal(cfg)
	if err != nil {
		return err
	}
	if err := cs.s.SetContainerBigData(id, configKey, data); err != nil {
		return fmt.Errorf("save container config: %w", err)
	}
	return nil
}

func (cs *Store) load(c *storage.Container) (*Container, error) {
	var cfg Config
	data, err := cs.s.ContainerBigData(c.ID, configKey)
	if err == nil {
		err = json.Unmarshal(data, &cfg)
	}
	if err != nil {
		// A creator killed between writing the record and its config:
		// keep it visible so that it can be removed.
		cfg = Config{ID: c.ID, ImageID: c.ImageID, Created: c.Created, Incomplete: true}
	}
	if len(c.Names) > 0 {
		cfg.Name = c.Names[0]
	}
	dir, err := cs.s.ContainerDirectory(c.ID)
	if err != nil {
		return nil, err
	}
	runDir, err := cs.s.ContainerRunDirectory(c.ID)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(runDir, 0o700); err != nil {
		return nil, err
	}
	return &Container{Config: cfg, Dir: dir, RunDir: runDir, LayerID: c.LayerID, UIDMap: toSpec(c.UIDMap), GIDMap: toSpec(c.GIDMap)}, nil
}

func toSpec(m []idtools.IDMap) []specs.LinuxIDMapping {
	var out []specs.LinuxIDMapping
	for _, e := range m {
		out = append(out, specs.LinuxIDMapping{ContainerID: uint32(e.ContainerID), HostID: uint32(e.HostID), Size: uint32(e.Size)})
	}
	return out
}

// List returns every container made by skiff, newest first.
func (cs *Store) List() ([]*Container, error) {
	all, err := cs.s.Containers()
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	var out []*Container
	for i := range all {
		c, err := cs.load(&all[i])
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sortNewestFirst(out)
	return out, nil
}

func sortNewestFirst(cs []*Container) {
	for i := 1; i < len(cs); i++ {
		for j := i; j > 0 && cs[j].Created.After(cs[j-1].Created); j-- {
			cs[j], cs[j-1] = cs[j-1], cs[j]
		}
	}
}

// Lookup finds a container by name, id, or unique id prefix.
func (cs *Store) Lookup(ref string) (*Container, error) {
	if ref == "" {
		return nil, fmt.Errorf("empty container name: %w", ErrNotFound)
	}
	c, err := cs.s.Container(strings.TrimPrefix(ref, "/"))
	if err != nil {
		if strings.Contains(err.Error(), "ambiguous") {
			return nil, fmt.Errorf("%s matches several containers: give more of the id", ref)
		}
		return nil, fmt.Errorf("%s: %w", ref, ErrNotFound)
	}
	return cs.load(c)
}

// Mount mounts the container's root file system (in this process's mount
// namespace) and returns its path.
func (cs *Store) Mount(c *Container) (string, error) {
	p, err := cs.s.Mount(c.ID, "")
	if err != nil {
		return "", fmt.Errorf("mount root file system of %s: %w", c.Name, err)
	}
	return p, nil
}

// Unmount undoes Mount. A mount gone with the namespace that held it is
// not an error.
func (cs *Store) Unmount(c *Container) error {
	cs.unmountMapped(c)
	if _, err := cs.s.Unmount(c.ID, true); err != nil && !errors.Is(err, storage.ErrLayerNotMounted) {
		return fmt.Errorf("unmount %s: %w", c.Name, err)
	}
	return nil
}

// Remove deletes a container that is not running: its layer, its
// directories, its name.
func (cs *Store) Remove(c *Container) error {
	_ = cs.Unmount(c)
	err := cs.s.DeleteContainer(c.ID)
	if errors.Is(err, syscall.ENOSPC) {
		// containers/storage rewrites its layer list before it frees
		// the layer, so a container that filled the disk could never be
		// removed: free its data first, then try again.
		cs.freeData(c)
		err = cs.s.DeleteContainer(c.ID)
	}
	if err != nil && !errors.Is(err, storage.ErrContainerUnknown) && !errors.Is(err, storage.ErrNotAContainer) {
		return fmt.Errorf("remove container %s: %w", c.Name, err)
	}
	cs.CollectOrphans()
	return nil
}

// freeData empties what a container being removed holds on the store's
// disk, leaving the records containers/storage still has to rewrite: its
// space reserve, its log, and the files of its read-write layer.
func (cs *Store) freeData(c *Container) {
	_ = state.ReleaseReserve(state.ReservePath(c.StatePath()))
	_ = os.Remove(c.LogPath())
	sc, err := cs.s.Container(c.ID)
	if err != nil || sc.LayerID == "" {
		return
	}
	var dir string
	switch cs.s.GraphDriverName() {
	case "overlay":
		dir = filepath.Join(cs.s.GraphRoot(), "overlay", sc.LayerID, "diff")
	case "vfs":
		dir = filepath.Join(cs.s.GraphRoot(), "vfs", "dir", sc.LayerID)
	default:
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		_ = os.RemoveAll(filepath.Join(dir, e.Name()))
	}
}

// CollectOrphans deletes read-write layers that no container owns: a
// creator killed after containers/storage made the layer and before it
// wrote the container record leaves one. It runs under the names lock,
// which every creator holds, so no creation is half-way. rm and prune call
// it; creation does not, to keep the start path short.
func (cs *Store) CollectOrphans() {
	unlock, err := cs.lockNames()
	if err != nil {
		return
	}
	defer unlock()
	layers, err := cs.s.Layers()
	if err != nil {
		return
	}
	ctrs, err := cs.s.Containers()
	if err != nil {
		return
	}
	owned := map[string]bool{}
	for _, c := range ctrs {
		owned[c.LayerID] = true
	}
	imgs, err := cs.s.Images()
	if err != nil {
		return
	}
	for _, img := range imgs {
		owned[img.TopLayer] = true
	}
	for _, l := range layers {
		if l.ReadOnly || owned[l.ID] || !isContainerLayer(l) {
			continue
		}
		_ = cs.s.DeleteLayer(l.ID)
	}
}

// isContainerLayer: containers/storage makes a container's layer without
// digests (it has no content of its own yet); image layers always have them.
func isContainerLayer(l storage.Layer) bool {
	return l.UncompressedDigest == "" && l.CompressedDigest == ""
}

// lockNames serializes the claiming of container names among skiff
// processes. containers/storage refuses a taken name at creation, but
// SetNames takes a name away from the container holding it; a rename must
// therefore check and set under a lock that creation takes too.
func (cs *Store) lockNames() (func(), error) {
	f, err := state.Flock(filepath.Join(cs.s.GraphRoot(), "skiff-names.lock"))
	if err != nil {
		return nil, fmt.Errorf("names lock: %w", err)
	}
	return func() { f.Close() }, nil
}

// Rename gives a container a new name; a name another container has is
// refused.
func (cs *Store) Rename(c *Container, name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	unlock, err := cs.lockNames()
	if err != nil {
		return err
	}
	defer unlock()
	if other, err := cs.s.Container(name); err == nil && other.ID != c.ID {
		return fmt.Errorf("container name %q: %w", name, ErrNameInUse)
	}
	if err := cs.s.SetNames(c.ID, []string{name}); err != nil {
		if errors.Is(err, storage.ErrDuplicateName) {
			return fmt.Errorf("container name %q: %w", name, ErrNameInUse)
		}
		return fmt.Errorf("rename %s: %w", c.Name, err)
	}
	c.Name = name
	c.Config.Name = name
	return cs.saveConfig(c.ID, &c.Config)
}
