terraform {
  required_providers {
    google = {
      source = "hashicorp/google"
    }
  }
}

variable "project" {
  type    = string
  default = "acme-ml-prod"
}

variable "a100_instances_per_zone" {
  type = map(number)
  default = {
    "us-central1-a" = 3
    "us-central1-b" = 3
  }
}

variable "l4_zones" {
  type    = list(string)
  default = ["us-central1-a", "us-central1-c"]
}

resource "google_compute_reservation" "a100" {
  for_each = var.a100_instances_per_zone

  project                       = var.project
  name                          = "a100-${each.key}"
  zone                          = each.key
  specific_reservation_required = true

  specific_reservation {
    count = each.value
    instance_properties {
      machine_type = "a2-ultragpu-8g"
      guest_accelerators {
        accelerator_type  = "nvidia-a100-80gb"
        accelerator_count = 8
      }
    }
  }
}

resource "google_compute_reservation" "l4" {
  count = length(var.l4_zones)

  project = var.project
  name    = "l4-serving-${count.index}"
  zone    = element(var.l4_zones, count.index)

  specific_reservation {
    count = 4
    instance_properties {
      machine_type = "g2-standard-24"
    }
  }
}

# The ranker's GKE nodes run inside the L4 reservation: a consumer, not
# extra capacity.
resource "google_container_node_pool" "l4_serving" {
  project  = var.project
  name     = "l4-serving"
  cluster  = "serving"
  location = "us-central1"

  autoscaling {
    min_node_count = 2
    max_node_count = 8
  }

  node_config {
    machine_type = "g2-standard-24"
    reservation_affinity {
      consume_reservation_type = "SPECIFIC_RESERVATION"
      key                      = "compute.googleapis.com/reservation-name"
      values                   = [google_compute_reservation.l4[0].name]
    }
  }
}
