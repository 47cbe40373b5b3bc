package cli

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"time"

	"github.com/docker/go-units"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/urfave/cli/v2"

	"github.com/skiff-containers/skiff/internal/format"
	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/lifecycle"
	"github.com/skiff-containers/skiff/internal/progress"
	"github.com/skiff-containers/skiff/internal/pull"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

func (s *session) imageCommands() []*cli.Command {
	pullCmd := func(name string) *cli.Command {
		return &cli.Command{
			Name:      name,
			Usage:     "pull an image from a registry",
			ArgsUsage: "NAME[:TAG|@DIGEST]",
			Flags: []cli.Flag{
				&cli.StringFlag{Name: "platform", Usage: "pull for this platform (OS/ARCH[/VARIANT]) instead of the host's"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only the image id"},
			},
			Action: s.pullAction,
		}
	}
	imagesCmd := func(name string, aliases ...string) *cli.Command {
		filterFlags, filters := repeatable("filter", "f", "filter: reference=PATTERN, dangling=true|false")
		return &cli.Command{
			Name:    name,
			Aliases: aliases,
			Usage:   "list images",
			Flags: append([]cli.Flag{
				&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "show all images, also intermediate ones"},
				&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print only image ids"},
				&cli.BoolFlag{Name: "digests", Usage: "show digests"},
				&cli.BoolFlag{Name: "no-trunc", Usage: "do not truncate ids"},
				&cli.StringFlag{Name: "format", Usage: "Go template, 'table TEMPLATE' or 'json'"},
			}, filterFlags...),
			Action: func(c *cli.Context) error { return s.imagesAction(c, filters.values) },
		}
	}
	rmiCmd := func(name string, aliases ...string) *cli.Command {
		return &cli.Command{
			Name:      name,
			Aliases:   aliases,
			Usage:     "remove images",
			ArgsUsage: "IMAGE [IMAGE...]",
			Flags: []cli.Flag{
				&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "remove also images with several names or used by containers (removing those containers)"},
			},
			Action: s.rmiAction,
		}
	}
	tagCmd := &cli.Command{Name: "tag", Usage: "give an image another name", ArgsUsage: "SOURCE TARGET", Action: s.tagAction}
	inspectCmd := &cli.Command{
		Name:      "inspect",
		Usage:     "show details of images as JSON",
		ArgsUsage: "IMAGE [IMAGE...]",
		Flags:     []cli.Flag{&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Usage: "Go template applied to each result"}},
		Action:    func(c *cli.Context) error { return s.inspectAny(c, "image") },
	}
	changeFlags, changes := repeatable("change", "c", "apply a Dockerfile instruction (CMD, ENV, ...) to the image")
	importCmd := &cli.Command{
		Name:      "import",
		Usage:     "make an image from a root file system tarball",
		ArgsUsage: "FILE|URL|- [REPOSITORY[:TAG]]",
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "message", Aliases: []string{"m"}, Usage: "commit message recorded in the history"},
			&cli.StringFlag{Name: "platform", Usage: "platform the image is for (default: the host's)"},
		}, changeFlags...),
		Action: func(c *cli.Context) error { return s.importAction(c, changes.values) },
	}
	return []*cli.Command{
		pullCmd("pull"),
		imagesCmd("images"),
		rmiCmd("rmi"),
		tagCmd,
		importCmd,
		{
			Name:  "image",
			Usage: "manage images",
			Subcommands: []*cli.Command{
				pullCmd("pull"), imagesCmd("ls", "list"), rmiCmd("rm", "remove"),
				{Name: "tag", Usage: tagCmd.Usage, ArgsUsage: tagCmd.ArgsUsage, Action: s.tagAction},
				{Name: "inspect", Usage: inspectCmd.Usage, ArgsUsage: inspectCmd.ArgsUsage, Flags: inspectCmd.Flags, Action: inspectCmd.Action},
				{Name: "import", Usage: importCmd.Usage, ArgsUsage: importCmd.ArgsUsage, Flags: importCmd.Flags, Action: importCmd.Action},
				{
					Name:  "prune",
					Usage: "remove images without a name (-a: every image no container uses) and layers nothing uses",
					Flags: []cli.Flag{
						&cli.BoolFlag{Name: "all", Aliases: []string{"a"}, Usage: "remove every image no container uses, not only those without a name"},
						&cli.BoolFlag{Name: "force", Aliases: []string{"f"}, Usage: "do not ask (skiff never asks)"},
					},
					Action: s.imagePruneAction,
				},
			},
		},
	}
}

func parseRef(arg string) (imageref.Reference, error) {
	ref, err := imageref.Parse(arg)
	if err != nil {
		return imageref.Reference{}, usagef("%v", err)
	}
	return ref, nil
}

func platformFlag(c *cli.Context) (v1.Platform, bool, error) {
	if p := c.String("platform"); p != "" {
		pl, err := registry.ParsePlatform(p)
		if err != nil {
			return v1.Platform{}, false, usagef("%v", err)
		}
		return pl, true, nil
	}
	return registry.HostPlatform(), false, nil
}

func (s *session) pullAction(c *cli.Context) error {
	if c.NArg() != 1 {
		return usagef("'%s' takes exactly one image name: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	ref, err := parseRef(c.Args().First())
	if err != nil {
		return err
	}
	platform, explicit, err := platformFlag(c)
	if err != nil {
		return err
	}
	img, err := s.pullImage(pullRequest{ref: ref, platform: platform, explicit: explicit, quiet: c.Bool("quiet")})
	if err != nil {
		return err
	}
	fmt.Fprintln(s.io.Out, img.ID)
	return nil
}

// pullImage pulls with the progress display the output allows.
// pullRequest is what pullImage fetches, and how it reports.
type pullRequest struct {
	ref      imageref.Reference
	platform v1.Platform
	explicit bool // the platform was asked for, not the host's
	quiet    bool
	// why, when set, is said before the pull (and taken back with the
	// pull's other lines if it fails).
	why string
}

func (s *session) pullImage(r pullRequest) (imagestore.Image, error) {
	client, err := s.registry()
	if err != nil {
		return imagestore.Image{}, err
	}
	store, err := s.openStore()
	if err != nil {
		return imagestore.Image{}, err
	}
	opts := pull.Options{Platform: r.platform, ExplicitPlatform: r.explicit}
	var prog *progress.Pull
	if !r.quiet {
		prog = progress.NewPull(s.io.Err, isTerminal(s.io.Err))
		opts.Progress = prog
		if r.why != "" {
			prog.Printf("%s", r.why)
		}
		prog.Printf("Pulling %s", r.ref)
	}
	img, err := pull.Pull(s.ctx, client, store, r.ref, opts)
	if prog != nil {
		prog.Close(err)
	}
	return img, err
}

// imageRow is one line of `images`; the field names are the --format keys.
type imageRow struct {
	ID           string
	Repository   string
	Tag          string
	Digest       string
	CreatedSince string
	CreatedAt    string
	Size         string
	Containers   string
}

func (s *session) imagesAction(c *cli.Context, filterSpecs []string) error {
	filters, err := parseImageFilters(filterSpecs)
	if err != nil {
		return err
	}
	if c.NArg() > 1 {
		return usagef("'%s' takes at most one REPOSITORY[:TAG]: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	if c.NArg() == 1 {
		filters = append(filters, imageFilter{key: "reference", value: c.Args().First()})
	}
	spec := c.String("format")
	var lister *format.Lister
	if !c.Bool("quiet") {
		def := "table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		if c.Bool("digests") {
			def = "table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}"
		}
		if lister, err = format.NewLister(s.io.Out, spec, def, map[string]string{"ID": "IMAGE ID", "CreatedSince": "CREATED", "CreatedAt": "CREATED AT"}); err != nil {
			return usagef("%v", err)
		}
	}
	store, err := s.openStore()
	if err != nil {
		return err
	}
	imgs, err := store.Images()
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, img := range imgs {
		for _, row := range s.imageRows(img, c.Bool("no-trunc")) {
			if !matchImageFilters(filters, img, row) {
				continue
			}
			if c.Bool("quiet") {
				if !seen[row.ID] {
					fmt.Fprintln(s.io.Out, row.ID)
					seen[row.ID] = true
				}
				continue
			}
			if err := lister.Row(row); err != nil {
				return usagef("%v", err)
			}
		}
	}
	if lister != nil {
		return lister.Flush()
	}
	return nil
}

// imageRows gives one row per name, or one <none> row for an unnamed image.
func (s *session) imageRows(img imagestore.Image, noTrunc bool) []imageRow {
	id := img.ID
	if !noTrunc {
		id = id[:12]
	} else {
		id = "sha256:" + id
	}
	base := imageRow{
		ID:           id,
		Digest:       "<none>",
		CreatedSince: units.HumanDuration(time.Since(img.Created)) + " ago",
		CreatedAt:    img.Created.Format("2006-01-02 15:04:05 -0700 MST"),
		Size:         units.HumanSizeWithPrecision(float64(img.Size), 3),
		Containers:   "N/A",
	}
	if img.Digest != "" {
		base.Digest = img.Digest
	}
	if len(img.Names) == 0 {
		base.Repository, base.Tag = "<none>", "<none>"
		return []imageRow{base}
	}
	var rows []imageRow
	for _, n := range img.Names {
		r := base
		ref, err := imageref.Parse(n)
		if err != nil {
			r.Repository, r.Tag = n, "<none>"
		} else {
			fam := imageref.Reference{Domain: ref.Domain, Path: ref.Path}.Familiar()
			r.Repository = strings.TrimSuffix(fam, ":")
			r.Tag = ref.Tag
			if r.Tag == "" {
				r.Tag = "<none>"
			}
		}
		rows = append(rows, r)
	}
	return rows
}

type imageFilter struct{ key, value string }

func parseImageFilters(specs []string) ([]imageFilter, error) {
	var out []imageFilter
	for _, f := range specs {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, usagef("invalid filter %q: use KEY=VALUE", f)
		}
		switch k {
		case "reference":
			if _, err := path.Match(v, ""); err != nil {
				return nil, usagef("invalid filter %q: bad pattern", f)
			}
		case "dangling":
			if v != "true" && v != "false" {
				return nil, usagef("invalid filter %q: dangling takes true or false", f)
			}
		default:
			return nil, usagef("invalid filter %q: supported filters are reference= and dangling=", f)
		}
		out = append(out, imageFilter{k, v})
	}
	return out, nil
}

func matchImageFilters(filters []imageFilter, img imagestore.Image, row imageRow) bool {
	for _, f := range filters {
		switch f.key {
		case "reference":
			if row.Repository == "<none>" || !matchReference(f.value, row.Repository, row.Tag) {
				return false
			}
		case "dangling":
			if (len(img.Names) == 0) != (f.value == "true") {
				return false
			}
		}
	}
	return true
}

// matchReference matches a Docker reference filter against the familiar
// and the fully qualified forms of a name, with and without its tag.
func matchReference(pattern, repo, tag string) bool {
	candidates := []string{repo, repo + ":" + tag}
	if ref, err := imageref.Parse(repo + ":" + tag); err == nil {
		candidates = append(candidates, ref.Repository(), ref.String())
	}
	for _, c := range candidates {
		if ok, _ := path.Match(pattern, c); ok {
			return true
		}
	}
	return false
}

func (s *session) rmiAction(c *cli.Context) error {
	if c.NArg() == 0 {
		return usagef("'%s' needs at least one image: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	var failed error
	for _, arg := range c.Args().Slice() {
		if err := s.removeImage(m, arg, c.Bool("force")); err != nil {
			fmt.Fprintf(s.io.Err, "Error: %s\n", oneLine(err.Error()))
			failed = err
		}
	}
	if failed != nil {
		return &ExitError{Code: ExitSkiff}
	}
	return nil
}

// removeImage removes one name (keeping the image if it has others) or the
// whole image, as Docker does.
func (s *session) removeImage(m *lifecycle.Manager, arg string, force bool) error {
	store := m.Images
	img, err := store.Lookup(arg)
	if err != nil {
		return lookupError(arg, err)
	}
	byName := ""
	if ref, err := imageref.Parse(arg); err == nil {
		for _, n := range img.Names {
			if n == ref.String() {
				byName = n
			}
		}
	}
	if byName != "" && len(img.Names) > 1 {
		if err := store.Untag(img.ID, byName); err != nil {
			return err
		}
		fmt.Fprintf(s.io.Out, "Untagged: %s\n", familiar(byName))
		return nil
	}
	if byName == "" && len(img.Names) > 1 && !force {
		return fmt.Errorf("image %s has several names (%s): remove them one by one or use -f", img.ID[:12], strings.Join(familiarAll(img.Names), ", "))
	}
	users, err := store.ContainersUsing(img.ID)
	if err != nil {
		return err
	}
	if len(users) > 0 {
		if !force {
			return fmt.Errorf("image %s is used by container %s: remove the container first or use -f", familiarOr(img), users[0][:12])
		}
		for _, id := range users {
			ctr, err := m.Containers.Lookup(id)
			if err == nil {
				err = m.Remove(s.ctx, ctr, true)
			}
			if err != nil {
				return fmt.Errorf("remove container %s of image %s: %w", id[:12], familiarOr(img), err)
			}
		}
	}
	if err := store.Remove(img.ID); err != nil {
		return err
	}
	for _, n := range img.Names {
		fmt.Fprintf(s.io.Out, "Untagged: %s\n", familiar(n))
	}
	fmt.Fprintf(s.io.Out, "Deleted: sha256:%s\n", img.ID)
	return nil
}

func familiar(name string) string {
	if ref, err := imageref.Parse(name); err == nil {
		return ref.Familiar()
	}
	return name
}

func familiarAll(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = familiar(n)
	}
	return out
}

func familiarOr(img imagestore.Image) string {
	if len(img.Names) > 0 {
		return familiar(img.Names[0])
	}
	return img.ID[:12]
}

func lookupError(arg string, err error) error {
	if errors.Is(err, imagestore.ErrNotFound) {
		return fmt.Errorf("no such image: %s", arg)
	}
	if errors.Is(err, imagestore.ErrAmbiguous) {
		return fmt.Errorf("%s matches several images: give more of the id", arg)
	}
	return err
}

func (s *session) tagAction(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("'%s' takes SOURCE and TARGET: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	target, err := parseRef(c.Args().Get(1))
	if err != nil {
		return err
	}
	if target.Digest != "" {
		return usagef("cannot tag with a digest (%s): give a tag instead", c.Args().Get(1))
	}
	store, err := s.openStore()
	if err != nil {
		return err
	}
	img, err := store.Lookup(c.Args().First())
	if err != nil {
		return lookupError(c.Args().First(), err)
	}
	return store.Tag(img.ID, target)
}

// imagePruneAction removes dangling images (with -a, every image no
// container uses) as Docker does, and then the image layers nothing
// stands on, which failed or killed pulls leave behind.
func (s *session) imagePruneAction(c *cli.Context) error {
	if c.NArg() > 0 {
		return usagef("'%s' takes no arguments: see '%s --help'", c.Command.HelpName, c.Command.HelpName)
	}
	m, err := s.manager()
	if err != nil {
		return err
	}
	store := m.Images
	imgs, err := store.Images()
	if err != nil {
		return err
	}
	for _, img := range imgs {
		if len(img.Names) > 0 && !c.Bool("all") {
			continue
		}
		if err := store.Remove(img.ID); err != nil {
			if errors.Is(err, imagestore.ErrInUse) {
				continue
			}
			return err
		}
		for _, n := range img.Names {
			fmt.Fprintf(s.io.Out, "untagged: %s\n", familiar(n))
		}
		fmt.Fprintf(s.io.Out, "deleted: sha256:%s\n", img.ID)
	}
	layers, err := store.PruneLayers()
	for _, id := range layers {
		fmt.Fprintf(s.io.Out, "deleted layer: %s\n", id)
	}
	if errors.Is(err, imagestore.ErrLayersBusy) {
		s.warnf("unused layers were kept: %v; run 'image prune' again after it", err)
		return nil
	}
	return err
}
