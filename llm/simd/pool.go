package simd

import (
	"fmt"
	"os"
	"runtime"
	"sync/atomic"
	"time"
)

// Pool runs row-parallel kernels on a fixed number of threads. A nil *Pool or
// one with one thread runs everything on the calling goroutine. A Pool may be
// used by one goroutine at a time. Its helper goroutines sleep between calls
// and stop when the Pool is closed or garbage collected.
type Pool struct {
	threads int
	impl    *impl
	own     scratch  // the calling goroutine's scratch
	crew    *workers // nil when threads == 1
	cleanup runtime.Cleanup
}

// workers are the threads-1 helper goroutines of a Pool. They hold no
// reference to the Pool, so an unreachable Pool can be collected and its
// cleanup can stop them.
//
// A call publishes its job by bumping gen (the low 16 bits carry the number
// of parts). Helpers spin on gen for a short while after each job and only
// then park on their wake channel: a decode step makes hundreds of calls a
// few hundred microseconds apart, and waking a parked goroutine costs tens
// of microseconds on a VM, as much as a small matrix-vector product itself.
//
// Parts are not bound to threads: the caller and the helpers take the next
// part from claim until none is left, so a helper whose thread the OS has
// not scheduled (another process busy on a core) costs nothing but its
// share of the work, which the caller does instead of waiting for it. (With
// fixed parts, a matrix-vector product waited for a scheduler time slice,
// milliseconds, and two-thread decode on a shared core ran at half the
// one-thread speed.) A helper reads job only after claiming a part, and the
// caller returns only when every claimed part is done.
type workers struct {
	gen   atomic.Uint64 // generation<<16 | parts of the latest job; stopGen when stopped
	claim atomic.Uint64 // generation<<16 | next unclaimed part of the latest job
	done  atomic.Int32  // parts of the latest job finished
	help  []helper
	job   job
	mem   []scratch
}

// helper is one helper goroutine's parking place. sleeping is set by the
// helper before it parks and cleared by whoever wakes it (a compare-and-swap
// decides which side sends and which receives on wake).
type helper struct {
	sleeping atomic.Bool
	wake     chan struct{}
	_        [48]byte // keep helpers on separate cache lines
}

// partsMask selects the number of parts from gen; it bounds Threads.
const partsMask = 1<<16 - 1

// stopGen is the gen value that tells the helpers to exit.
const stopGen = ^uint64(0)

// spinFor is how long an idle helper polls for the next job before it
// parks. It is longer than the gaps between the matrix products of a decode
// step, so helpers stay awake through a whole step, and short enough that
// an idle pool stops using CPU almost at once.
const spinFor = 200 * time.Microsecond

// kind says which kernel a job runs.
type kind int

const (
	kindMatVecBF16 kind = iota
	kindMatVecF16
	kindMatVecF32
	kindMatMulBF16
	kindRead
	kindRead4
	kindFor
	kindMatVecQ8
)

// job is one call split into parts; part i runs on helper i (part 0 on the
// caller). Fields are written before the helpers are woken and read after.
type job struct {
	kind  kind
	impl  *impl
	parts int
	dst   []float32
	wu    []uint16
	wf    []float32 // F32 weights, or Q8 scales
	q     []int8
	x     []float32
	b     []byte
	n     int
	rows  int
	cols  int
	sums  []uint64 // kindRead, kindRead4: one result per part
	fn    func(lo, hi int)
}

// NewPool returns a pool that splits work across threads goroutines
// (threads < 1 means 1) on the path named by LLM_KERNELS, or the fastest
// path this CPU has when that variable is unset. When it names an unknown
// or unsupported path, NewPool says so in one line on stderr and uses the
// fastest path. Use NewPoolPath to choose the path and get errors.
func NewPool(threads int) *Pool {
	path, err := pathFromEnv()
	if err != nil {
		path = BestPath()
		fmt.Fprintf(os.Stderr, "%v: using path %s\n", err, path)
	}
	p, _ := NewPoolPath(threads, path)
	return p
}

// NewPoolPath is NewPool on a chosen path; it fails when this CPU or build
// cannot run it.
func NewPoolPath(threads int, path Path) (*Pool, error) {
	if !path.Supported() {
		return nil, fmt.Errorf("simd: path %s is not supported by this CPU or build (have %v)", path, Paths())
	}
	threads = min(max(threads, 1), partsMask)
	p := &Pool{threads: threads, impl: implFor(path)}
	if threads > 1 {
		w := &workers{
			help: make([]helper, threads-1),
			mem:  make([]scratch, threads-1),
		}
		for i := range w.help {
			w.help[i].wake = make(chan struct{}, 1)
			go w.loop(i)
		}
		p.crew = w
		p.cleanup = runtime.AddCleanup(p, (*workers).stop, w)
	}
	return p, nil
}

// MustPool is NewPoolPath for notebook cells: it panics on error.
func MustPool(threads int, path Path) *Pool {
	p, err := NewPoolPath(threads, path)
	if err != nil {
		panic(err)
	}
	return p
}

// Threads reports how many goroutines the pool splits work across.
func (p *Pool) Threads() int {
	if p == nil {
		return 1
	}
	return p.threads
}

// Path reports which implementation the pool runs.
func (p *Pool) Path() Path { return p.kernels().path }

// Close stops the helper goroutines. A closed pool keeps working on the
// calling goroutine alone. Close is optional: an unreachable pool stops its
// helpers when it is garbage collected.
func (p *Pool) Close() {
	if p == nil || p.crew == nil {
		return
	}
	p.cleanup.Stop()
	p.crew.stop()
	p.crew = nil
	p.threads = 1
}

func (p *Pool) kernels() *impl {
	if p == nil {
		return defaultImpl()
	}
	return p.impl
}

func (w *workers) stop() {
	w.gen.Store(stopGen)
	w.wakeAll(len(w.help))
}

// wakeAll wakes the first n helpers that are parked.
func (w *workers) wakeAll(n int) {
	for i := range n {
		h := &w.help[i]
		if h.sleeping.Load() && h.sleeping.CompareAndSwap(true, false) {
			h.wake <- struct{}{}
		}
	}
}

// loop is helper i: it takes parts of every job that has more than i+1.
func (w *workers) loop(i int) {
	h := &w.help[i]
	var last uint64 // gen starts at 0; the first job may be out before this runs
	for {
		g := w.next(h, last)
		if g == stopGen {
			return
		}
		last = g
		if parts := int(g & partsMask); parts > i+1 {
			for {
				part, ok := w.take(g>>16, parts)
				if !ok {
					break
				}
				w.job.run(part, &w.mem[i])
				w.done.Add(1)
			}
		}
	}
}

// take claims the next part of job generation gen, which has parts parts;
// ok is false when none is left or that job is over.
func (w *workers) take(gen uint64, parts int) (part int, ok bool) {
	for {
		c := w.claim.Load()
		part = int(c & partsMask)
		if c>>16 != gen || part >= parts {
			return 0, false
		}
		if w.claim.CompareAndSwap(c, c+1) {
			return part, true
		}
	}
}

// next waits until gen differs from last and returns it: spinning first,
// then parked on the helper's wake channel.
func (w *workers) next(h *helper, last uint64) uint64 {
	var t0 time.Time
	for k := 0; ; k++ {
		if g := w.gen.Load(); g != last {
			return g
		}
		if k&63 == 63 {
			if t0.IsZero() {
				t0 = time.Now()
			} else if time.Since(t0) > spinFor {
				break
			}
			// Let other goroutines run when there are more threads
			// than processors.
			runtime.Gosched()
		}
	}
	h.sleeping.Store(true)
	if g := w.gen.Load(); g != last {
		if h.sleeping.CompareAndSwap(true, false) {
			return g
		}
		<-h.wake // a waker cleared the flag first and is sending
		return g
	}
	<-h.wake
	return w.gen.Load()
}

// wait spins until n parts of the current job are done.
func (w *workers) wait(n int) {
	for k := 0; int(w.done.Load()) < n; k++ {
		if k&63 == 63 {
			runtime.Gosched()
		}
	}
}

// For splits [0, n) into at most Threads contiguous ranges and calls fn on
// each, concurrently, returning when all are done: a parallel loop for the
// engine's own work (attention heads, DeltaNet heads of a token, …). fn
// must be safe to run concurrently on disjoint ranges; the split is worth it
// only when each range takes well over the few microseconds a wake-up costs.
// Ranges are never empty; n ≤ 0 calls nothing.
func (p *Pool) For(n int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	p.run(job{kind: kindFor, rows: n, fn: fn}, n)
}

// minWork is the number of multiply-adds below which a call stays on one
// thread: waking a helper costs a few microseconds (about 2.5 µs here),
// as long as one thread needs for 256 K multiply-adds on cached weights.
const minWork = 1 << 18

// run executes j split into as many parts as the pool and the work allow.
func (p *Pool) run(j job, work int) {
	j.impl = p.kernels()
	parts := 1
	switch {
	case p == nil || p.crew == nil:
	case j.kind == kindFor:
		parts = min(p.threads, j.rows)
	case work >= minWork:
		parts = min(p.threads, (j.rows+rowAlign-1)/rowAlign)
	}
	parts = max(parts, 1) // an empty job still runs (and returns) as one part
	j.parts = parts
	if parts == 1 {
		var s *scratch
		if p != nil {
			s = &p.own
		} else {
			s = new(scratch)
		}
		j.run(0, s)
		return
	}
	w := p.crew
	w.job = j
	w.done.Store(0)
	gen := w.gen.Load()>>16 + 1
	w.claim.Store(gen << 16)
	w.gen.Store(gen<<16 | uint64(parts))
	w.wakeAll(parts - 1)
	// Wait for the parts the helpers took even if a part of the caller's
	// panics (a For callback), so no helper is still running when the pool
	// is used again; parts nobody took by then are not run.
	failed := 0
	defer func() {
		taken := min(int(w.claim.Swap(gen<<16|partsMask)&partsMask), parts)
		w.wait(taken - failed)
		w.job = job{} // drop references to the caller's slices
	}()
	for {
		part, ok := w.take(gen, parts)
		if !ok {
			break
		}
		failed = 1
		w.job.run(part, &p.own)
		failed = 0
		w.done.Add(1)
	}
}

// rowAlign keeps each part's rows a multiple of 16, so parts write whole
// 64-byte cache lines of dst and row blocks of 4 never straddle parts.
const rowAlign = 16

// bounds returns the rows [lo, hi) of part i.
func (j *job) bounds(i int) (lo, hi int) {
	chunk := (j.rows + j.parts - 1) / j.parts
	if j.kind == kindFor {
		lo = i * j.rows / j.parts
		return lo, (i + 1) * j.rows / j.parts
	}
	chunk = (chunk + rowAlign - 1) / rowAlign * rowAlign
	lo = min(i*chunk, j.rows)
	hi = min(lo+chunk, j.rows)
	return lo, hi
}

func (j *job) run(i int, s *scratch) {
	lo, hi := j.bounds(i)
	if lo == hi {
		if j.kind == kindRead || j.kind == kindRead4 {
			j.sums[i] = 0
		}
		return
	}
	c := j.cols
	switch j.kind {
	case kindMatVecBF16:
		j.impl.matVecBF16(j.dst[lo:hi], j.wu[lo*c:hi*c], j.x)
	case kindMatVecF16:
		j.impl.matVecF16(j.dst[lo:hi], j.wu[lo*c:hi*c], j.x)
	case kindMatVecF32:
		j.impl.matVecF32(j.dst[lo:hi], j.wf[lo*c:hi*c], c, j.x)
	case kindMatMulBF16:
		j.impl.matMulBF16(j.dst, j.wu, j.x, j.n, j.rows, c, lo, hi, s)
	case kindFor:
		j.fn(lo, hi)
	case kindMatVecQ8:
		nb := c / Q8BlockSize
		j.impl.matVecQ8(j.dst[lo:hi], j.q[lo*c:hi*c], j.wf[lo*nb:hi*nb], j.x)
	case kindRead:
		// rows count 4 KiB pages of b.
		j.sums[i] = j.impl.read(j.b[lo*readPage : min(hi*readPage, len(j.b))])
	case kindRead4:
		j.sums[i] = j.impl.read4(j.b[lo*readPage : min(hi*readPage, len(j.b))])
	}
}
