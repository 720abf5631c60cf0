package tfedit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/capcheck/capcheck/inventory/terraform"
)

const gcpServing = `# Serving (ticket ML-7).
resource "google_compute_reservation" "a3" {
  provider = google-beta
  name     = "a3-us-central1-a"
  project  = var.project
  zone     = "us-central1-a"
  specific_reservation {
    count = 2
    instance_properties {
      machine_type = "a3-highgpu-8g" # the serving shape
      guest_accelerators {
        accelerator_type  = "nvidia-h100-80gb"
        accelerator_count = 8
      }
    }
  }
}

variable "project" {
  default = "ml-prod"
}
`

// gfuture is an addition of n a3-highgpu-8g in zone over first..last as
// the solver names it for a GCP pool when it starts later than today.
func gfuture(zone string, n int, first, last string) Change {
	return Change{Action: "add", Address: FutureType + ".p_" + strings.ReplaceAll(zone, "-", "_") + "_" + strings.ReplaceAll(first[:7], "-", "_") + "_to_" + strings.ReplaceAll(last[:7], "-", "_"),
		Root: ".", Zone: zone, InstanceType: "a3-highgpu-8g", Instances: n, Start: first, End: last}
}

// A later GCP addition is a google_compute_future_reservation after the
// pool's reservation: its provider, project (as written, var.project) and
// instance_properties (the comment too) copied, the zone, total_count
// (a string) and the window of the change, the window's end the instant
// after the last day (2027-04-30 → 2027-05-01T00:00:00Z). The source
// block and the variable after it stay where they are.
func TestFutureReservationCopy(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": gcpServing}, terraform.Options{})
	ed := plan(t, root, opts, gfuture("us-central1-b", 3, "2027-03-01", "2027-04-30"))
	got := after(t, ed, "main.tf")
	const block = `
resource "google_compute_future_reservation" "p_us_central1_b_2027_03_to_2027_04" {
  provider                              = google-beta
  project                               = var.project
  name                                  = "p-us-central1-b-2027-03-to-2027-04"
  zone                                  = "us-central1-b"
  planning_status                       = "SUBMITTED"
  auto_delete_auto_created_reservations = true
  time_window {
    start_time = "2027-03-01T00:00:00Z"
    end_time   = "2027-05-01T00:00:00Z"
  }
  specific_sku_properties {
    total_count = "3"
    instance_properties {
      machine_type = "a3-highgpu-8g" # the serving shape
      guest_accelerators {
        accelerator_type  = "nvidia-h100-80gb"
        accelerator_count = 8
      }
    }
  }
}`
	at := strings.Index(gcpServing, "\n\nvariable")
	want := gcpServing[:at] + "\n" + block + gcpServing[at:]
	if got != want {
		t.Errorf("main.tf:\n%s\nwant:\n%s", got, want)
	}
	if c := ed.Created("p"); len(c) != 1 || c[0] != FutureType+".p_us_central1_b_2027_03_to_2027_04" {
		t.Errorf("Created = %v, want the future reservation", c)
	}

	// The reader reads it back as the change: 3 × 8 = 24 H100 in
	// us-central1-b from 2027-03-01T00:00:00Z to 2027-05-01T00:00:00Z
	// (last whole day 2027-04-30), guaranteed (SUBMITTED).
	if err := os.WriteFile(filepath.Join(root, "main.tf"), []byte(got), 0o644); err != nil {
		t.Fatal(err)
	}
	inv, err := terraform.Discover(context.Background(), root, terraform.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var found bool
	for _, r := range inv.Reservations {
		if r.Address != FutureType+".p_us_central1_b_2027_03_to_2027_04" {
			continue
		}
		found = true
		if r.Count != 3 || r.GPUs != 24 || r.GPU != "H100-SXM" || r.Zone != "us-central1-b" || r.Start != "2027-03-01T00:00:00Z" || r.End != "2027-05-01T00:00:00Z" || !r.Guaranteed || r.Project != "ml-prod" {
			t.Errorf("read back %+v", r)
		}
	}
	if !found {
		t.Errorf("the future reservation is not read back: %+v", inv.Reservations)
	}
}

// A later addition the pool's patterns would not claim is refused, as a
// new google_compute_reservation is; one with no reservation of its
// machine type to copy names what is missing; a name taken is refused at
// the block that has it.
func TestFutureReservationRefused(t *testing.T) {
	root, opts := setup(t, map[string]string{"main.tf": gcpServing}, terraform.Options{})
	c := gfuture("us-central1-a", 1, "2027-03-01", "2027-03-31")
	_, err := Plan(root, []Request{{Pool: "p", Claim: FutureType + ".p_*", Changes: []Change{c}}}, opts)
	if want := "would not be claimed by pools.p.reservations; add " + FutureType + ".p_* there first"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want …%s…", err, want)
	}

	other := c
	other.InstanceType = "a2-highgpu-1g"
	_, err = Plan(root, []Request{{Pool: "p", Changes: []Change{other}}}, opts)
	if want := "suggest: pool p has no google_compute_reservation of a2-highgpu-1g in root . to copy for " + c.Address; err == nil || err.Error() != want {
		t.Errorf("error %v, want %s", err, want)
	}

	taken := gcpServing + `
resource "google_compute_future_reservation" "p_us_central1_a_2027_03_to_2027_03" {
  name = "taken"
  zone = "us-central1-a"
  time_window {
    start_time = "2027-03-01T00:00:00Z"
    end_time   = "2027-04-01T00:00:00Z"
  }
  specific_sku_properties {
    total_count = "1"
    instance_properties {
      machine_type = "a3-highgpu-8g"
    }
  }
}
`
	root, opts = setup(t, map[string]string{"main.tf": taken}, terraform.Options{})
	_, err = Plan(root, []Request{{Pool: "p", Changes: []Change{c}}}, opts)
	// The taken block opens on line 23 of main.tf (gcpServing is 21
	// lines, then a blank line).
	wantErr(t, err, "main.tf:23:1", c.Address+" exists already")
}

// An argument of instance_properties that reads count or each cannot be
// copied into a single block.
func TestFutureReservationInstanceRef(t *testing.T) {
	src := `resource "google_compute_reservation" "a3" {
  for_each = { "us-central1-a" = "a3-highgpu-8g" }
  name     = "a3-${each.key}"
  zone     = each.key
  specific_reservation {
    count = 2
    instance_properties {
      machine_type = each.value
    }
  }
}
`
	root, opts := setup(t, map[string]string{"main.tf": src}, terraform.Options{})
	_, err := Plan(root, []Request{{Pool: "p", Changes: []Change{gfuture("us-central1-b", 1, "2027-03-01", "2027-03-31")}}}, opts)
	wantErr(t, err, "main.tf:1:1", "an argument refers to each (in machine_type)")
}
