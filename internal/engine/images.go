package engine

import (
	"context"
	"errors"
	"fmt"
	"path"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/skiff-containers/skiff/internal/imagestore"
	"github.com/skiff-containers/skiff/internal/pull"
	"github.com/skiff-containers/skiff/internal/registry"
	"github.com/skiff-containers/skiff/internal/report"
	"github.com/skiff-containers/skiff/pkg/imageref"
)

// PullProgress receives what a pull does, for a front end to show.
// Layers, State and Bytes may be called from several goroutines.
type PullProgress interface {
	// Pulling comes first, with the canonical reference.
	Pulling(ref string)
	Layers(digests []v1.Hash, sizes []int64)
	State(layer int, state string)
	Bytes(layer int, done int64)
	// Done comes last, with the pull's outcome.
	Done(err error)
}

// PullOptions are what Pull fetches.
type PullOptions struct {
	Ref string // NAME[:TAG|@DIGEST]
	// Platform is OS/ARCH[/VARIANT]; "" is the host's (with a fallback
	// to the only platform of a single-platform image).
	Platform string
	Progress PullProgress // nil: none
}

// Pull fetches an image from its registry into the store and returns its
// id.
func (e *Engine) Pull(ctx context.Context, o PullOptions) (string, error) {
	ref, err := parseRef("Ref", o.Ref)
	if err != nil {
		return "", err
	}
	pl, explicit, err := parsePlatform(o.Platform)
	if err != nil {
		return "", err
	}
	img, err := e.pull(ctx, ref, pl, explicit, o.Progress)
	if err != nil {
		return "", err
	}
	return img.ID, nil
}

// pull is Pull with its options parsed, for the verbs that pull on the
// way (create's pull policy). explicit says the platform was asked for
// rather than the host's.
func (e *Engine) pull(ctx context.Context, ref imageref.Reference, platform v1.Platform, explicit bool, prog PullProgress) (imagestore.Image, error) {
	o := pull.Options{Platform: platform, ExplicitPlatform: explicit}
	if prog != nil {
		prog.Pulling(ref.String())
		o.Progress = prog
	}
	img, err := pull.Pull(ctx, e.registry(), e.images, ref, o)
	if prog != nil {
		prog.Done(err)
	}
	return img, classify(err)
}

func parseRef(field, s string) (imageref.Reference, error) {
	ref, err := imageref.Parse(s)
	if err != nil {
		return imageref.Reference{}, Invalid(field, s, err.Error())
	}
	return ref, nil
}

// parsePlatform reads OS/ARCH[/VARIANT]; "" is the host's platform, not
// asked for.
func parsePlatform(s string) (v1.Platform, bool, error) {
	if s == "" {
		return registry.HostPlatform(), false, nil
	}
	pl, err := registry.ParsePlatform(s)
	if err != nil {
		return v1.Platform{}, false, Invalid("Platform", s, err.Error())
	}
	return pl, true, nil
}

// lookupImage finds an image by name or id prefix.
func (e *Engine) lookupImage(ref string) (imagestore.Image, error) {
	img, err := e.images.Lookup(ref)
	switch {
	case errors.Is(err, imagestore.ErrNotFound):
		return imagestore.Image{}, &NotFoundError{What: "image", Ref: ref}
	case errors.Is(err, imagestore.ErrAmbiguous):
		return imagestore.Image{}, fmt.Errorf("%s matches several images: give more of the id", ref)
	}
	return img, classify(err)
}

// ListImagesOptions select the images ListImages lists.
type ListImagesOptions struct {
	// All lists intermediate images too: the unnamed images of build
	// steps, which are build cache.
	All bool
	// Filters are KEY=VALUE: reference=PATTERN (a path.Match pattern on
	// the name, familiar or full, with or without its tag) and
	// dangling=true|false. All must match.
	Filters []string
	// Reference is a name or pattern that rows must match, as a
	// reference filter that is not checked.
	Reference string
}

// imageFilter is a parsed filter.
type imageFilter struct{ key, value string }

func parseImageFilters(specs []string) ([]imageFilter, error) {
	var out []imageFilter
	for _, f := range specs {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return nil, Invalid("Filters", f, "use KEY=VALUE")
		}
		switch k {
		case "reference":
			if _, err := path.Match(v, ""); err != nil {
				return nil, Invalid("Filters", f, "bad pattern")
			}
		case "dangling":
			if v != "true" && v != "false" {
				return nil, Invalid("Filters", f, "dangling takes true or false")
			}
		default:
			return nil, Invalid("Filters", f, "supported filters are reference= and dangling=")
		}
		out = append(out, imageFilter{k, v})
	}
	return out, nil
}

// ListImages lists the stored images, one row per name. (Images is the
// transitional accessor of the store, for now.)
func (e *Engine) ListImages(ctx context.Context, o ListImagesOptions) ([]report.ImageRow, error) {
	filters, err := parseImageFilters(o.Filters)
	if err != nil {
		return nil, err
	}
	if o.Reference != "" {
		filters = append(filters, imageFilter{key: "reference", value: o.Reference})
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	imgs, err := e.images.Images()
	if err != nil {
		return nil, classify(err)
	}
	var rows []report.ImageRow
	for _, img := range imgs {
		if img.Intermediate && !o.All {
			continue
		}
		for _, row := range imageRows(img) {
			if matchImageFilters(filters, img, row) {
				rows = append(rows, row)
			}
		}
	}
	return rows, nil
}

// imageRows gives one row per name, or one <none> row for an unnamed image.
func imageRows(img imagestore.Image) []report.ImageRow {
	base := report.ImageRow{ID: img.ID, Digest: "<none>", Created: img.Created, Size: img.Size}
	if img.Digest != "" {
		base.Digest = img.Digest
	}
	if len(img.Names) == 0 {
		base.Repository, base.Tag = "<none>", "<none>"
		return []report.ImageRow{base}
	}
	var rows []report.ImageRow
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

func matchImageFilters(filters []imageFilter, img imagestore.Image, row report.ImageRow) bool {
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

// RemoveImagesOptions tune RemoveImages.
type RemoveImagesOptions struct {
	// Force removes an image by id even if it has several names, and one
	// that containers use, removing those containers first.
	Force bool
}

// RemovedImage is the outcome of RemoveImages for one reference.
type RemovedImage struct {
	Result
	report.ImageRemoval
}

// RemoveImages removes each reference as Docker does: a name of an image
// that has others only loses that name; otherwise the image goes, unless
// it has several names (given by id) or containers use it, both of which
// Force overrides.
func (e *Engine) RemoveImages(ctx context.Context, refs []string, o RemoveImagesOptions) []RemovedImage {
	out := make([]RemovedImage, 0, len(refs))
	for _, ref := range refs {
		r := RemovedImage{Result: Result{Ref: ref}}
		r.ImageRemoval, r.ID, r.Err = e.removeImage(ctx, ref, o.Force)
		out = append(out, r)
	}
	return out
}

func (e *Engine) removeImage(ctx context.Context, arg string, force bool) (report.ImageRemoval, string, error) {
	store := e.images
	img, err := e.lookupImage(arg)
	if err != nil {
		return report.ImageRemoval{}, "", err
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
			return report.ImageRemoval{}, img.ID, classify(err)
		}
		return report.ImageRemoval{Untagged: []string{familiar(byName)}}, img.ID, nil
	}
	if byName == "" && len(img.Names) > 1 && !force {
		return report.ImageRemoval{}, img.ID, &kindError{kinds: []error{ErrConflict},
			err: fmt.Errorf("image %s has several names (%s): remove them one by one", img.ID[:12], strings.Join(familiarAll(img.Names), ", "))}
	}
	users, err := store.ContainersUsing(img.ID)
	if err != nil {
		return report.ImageRemoval{}, img.ID, classify(err)
	}
	if len(users) > 0 {
		if !force {
			return report.ImageRemoval{}, img.ID, &kindError{kinds: []error{ErrConflict},
				err: fmt.Errorf("image %s is used by container %s: remove the container first", familiarOr(img), users[0][:12])}
		}
		for _, id := range users {
			ctr, err := e.m.Containers.Lookup(id)
			if err == nil {
				err = e.m.Remove(ctx, ctr, true)
			}
			if err != nil {
				return report.ImageRemoval{}, img.ID, fmt.Errorf("remove container %s of image %s: %w", id[:12], familiarOr(img), classify(err))
			}
		}
	}
	if err := store.Remove(img.ID); err != nil {
		return report.ImageRemoval{}, img.ID, classify(err)
	}
	return report.ImageRemoval{Untagged: familiarAll(img.Names), Deleted: img.ID}, img.ID, nil
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

// Tag gives the image source (a name or id prefix) the name target.
func (e *Engine) Tag(ctx context.Context, source, target string) error {
	ref, err := parseRef("Target", target)
	if err != nil {
		return err
	}
	if ref.Digest != "" {
		return Invalid("Target", target, fmt.Sprintf("cannot tag with a digest (%s): give a tag instead", target))
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	img, err := e.lookupImage(source)
	if err != nil {
		return err
	}
	return classify(e.images.Tag(img.ID, ref))
}

// InspectImage describes an image by name or id prefix.
func (e *Engine) InspectImage(ctx context.Context, ref string) (*report.Image, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	img, err := e.lookupImage(ref)
	if err != nil {
		return nil, err
	}
	ii, err := inspectStoredImage(e.images, img)
	if err != nil {
		return nil, err
	}
	return &ii, nil
}

// inspectStoredImage describes an image already looked up.
func inspectStoredImage(store *imagestore.Store, img imagestore.Image) (report.Image, error) {
	cfg, err := store.Config(img.ID)
	if err != nil {
		return report.Image{}, classify(err)
	}
	ii := report.Image{
		Id:           "sha256:" + img.ID,
		RepoTags:     []string{},
		RepoDigests:  []string{},
		Created:      cfg.Created.Time,
		Author:       cfg.Author,
		Config:       cfg.Config,
		Architecture: cfg.Architecture,
		Variant:      cfg.Variant,
		Os:           cfg.OS,
		Size:         img.Size,
		GraphDriver:  report.GraphDriver{Name: store.Driver(), Data: map[string]string{}},
		RootFS:       report.RootFS{Type: "layers", Layers: []string{}},
		History:      cfg.History,
	}
	if len(cfg.History) > 0 {
		ii.Comment = cfg.History[len(cfg.History)-1].Comment
	}
	seenRepo := map[string]bool{}
	for _, n := range img.Names {
		ref, err := imageref.Parse(n)
		if err != nil {
			continue
		}
		if ref.Tag != "" {
			ii.RepoTags = append(ii.RepoTags, ref.Familiar())
		}
		repo := imageref.Reference{Domain: ref.Domain, Path: ref.Path}
		if !seenRepo[repo.Repository()] {
			seenRepo[repo.Repository()] = true
			for _, d := range img.Digests {
				repo.Digest = d
				ii.RepoDigests = append(ii.RepoDigests, repo.Familiar())
			}
		}
	}
	for _, d := range cfg.RootFS.DiffIDs {
		ii.RootFS.Layers = append(ii.RootFS.Layers, d.String())
	}
	return ii, nil
}

// PruneImagesOptions tune PruneImages.
type PruneImagesOptions struct {
	// All removes every image no container uses, not only those without
	// a name, build steps' intermediate images too.
	All bool
	// Intermediate removes only the unnamed images of build steps (the
	// build cache's), which a prune of dangling images leaves alone.
	Intermediate bool
}

// PrunedImages is what PruneImages removed.
type PrunedImages struct {
	Images []report.ImageRemoval
	Layers []string // ids of the layers no image stood on
	// LayersKept says why unused layers stayed (a pull or import was
	// adding layers); nil if none did.
	LayersKept error
}

// PruneImages removes dangling images (with All, every image no container
// uses) as Docker does, and then the image layers nothing stands on,
// which failed or killed pulls leave behind.
func (e *Engine) PruneImages(ctx context.Context, o PruneImagesOptions) (PrunedImages, error) {
	var out PrunedImages
	store := e.images
	imgs, err := store.Images()
	if err != nil {
		return out, classify(err)
	}
	for _, img := range imgs {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		if len(img.Names) > 0 && !o.All || img.Intermediate != o.Intermediate && !o.All {
			continue
		}
		if err := store.Remove(img.ID); err != nil {
			if errors.Is(err, imagestore.ErrInUse) {
				continue
			}
			return out, classify(err)
		}
		out.Images = append(out.Images, report.ImageRemoval{Untagged: familiarAll(img.Names), Deleted: img.ID})
	}
	out.Layers, err = store.PruneLayers()
	if errors.Is(err, imagestore.ErrLayersBusy) {
		out.LayersKept = err
		return out, nil
	}
	return out, classify(err)
}
