package widgets_test

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/how-llms-work/course/ci/browser"
)

// TestBrowserRope drives chapter 6's widgets in headless Chromium: the
// clocks' position and θ sliders move the hands and the strip as the Go
// side computes them, the sweep button turns the hands, and a click on a
// spectrum bar selects that pair.
func TestBrowserRope(t *testing.T) {
	bin := browser.Need(t)
	c, s := demoClocks(), demoSpectrum()
	hc, hs := mustHTML(t, c), mustHTML(t, s)
	cid, sid := rootID(t, hc), rootID(t, hs)
	pg := openPage(t, bin, widgetPage("rope", hc+hs), "#"+sid, true)
	eval, set := pg.eval, pg.set
	hand := func(k int) (float64, float64) {
		xy := eval(`(()=>{const h=document.querySelector("#` + cid + ` line.hand[data-k='` + strconv.Itoa(k) + `']");return h.getAttribute("x2")+" "+h.getAttribute("y2")})()`)
		var x, y float64
		fmt.Sscan(xy, &x, &y)
		return x, y
	}
	if got := eval(`document.querySelectorAll(".llmw.js").length+""`); got != "2" {
		t.Fatalf("%s live widgets, want 2", got)
	}
	// Position 37, θ = 1e4: the hands and the strip follow Clocks.Angle.
	set(cid+"-m", "37")
	set(cid+"-t", "4")
	for k, j := range c.Pairs {
		phi := c.Angle(j, 37, 1e4)
		x, y := hand(k)
		if math.Abs(x-(60+48*math.Cos(phi))) > 0.01 || math.Abs(y-(60-48*math.Sin(phi))) > 0.01 {
			t.Errorf("pair %d at m = 37, θ = 1e4: hand at (%g, %g), want angle %g", j, x, y, phi)
		}
	}
	if got := eval(`document.querySelector("#` + cid + ` output[id$='-tv']").textContent`); got != "θ = 1e4" {
		t.Errorf("θ readout %q", got)
	}
	want := fmt.Sprintf("%.3f", 4096*math.Pow(1e4, -56.0/64)/(2*math.Pi))
	if got := eval(`document.querySelector("#` + cid + ` td.turn[data-k='1'][data-i='3']").textContent`); got != want {
		t.Errorf("pair 28 at 4,096, θ = 1e4: %s turns, want %s", got, want)
	}
	if got := eval(`document.querySelector("#` + cid + ` .ro[data-k='0']").textContent`); !strings.HasPrefix(got, "m·ω = 37.000 rad = 5.889 turns") {
		t.Errorf("pair 0 readout %q", got)
	}
	// The sweep moves m on its own.
	eval(`(()=>{document.getElementById("` + cid + `-sweep").click();return ""})()`)
	if _, err := chromedp.Run(pg.ctx, chromedp.Poll[bool](`+document.getElementById("`+cid+`-m").value>50`, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Errorf("the sweep did not move m past 50: %v", err)
	}
	// Spectrum: click pair 9's bar.
	eval(`(()=>{document.querySelector("#` + sid + ` rect[data-j='9']").dispatchEvent(new MouseEvent("click",{bubbles:true}));return ""})()`)
	if got := eval(`document.getElementById("` + sid + `-j").value+" | "+document.getElementById("` + sid + `-ro").textContent`); !strings.HasPrefix(got, "9 | Pair 9 · θ = 1e7: 0.0107 rad/token, period ≈ 585 tokens") {
		t.Errorf("after a click on pair 9: %q", got)
	}
	set(sid+"-j", "31")
	if got := eval(`document.getElementById("` + sid + `-ro").textContent`); !strings.Contains(got, "Pair 31 · θ = 1e7: 1.65e-07 rad/token, period ≈ 3.80e+07 tokens") {
		t.Errorf("slider at 31: %q", got)
	}
	if errs := eval(`errs.join("; ")`); errs != "" {
		t.Errorf("script errors: %s", errs)
	}
}
