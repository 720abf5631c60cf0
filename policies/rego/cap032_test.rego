package capcheck.rules.cap032_test

import data.capcheck.rules.cap032
import data.capcheck.test.fixtures as fx

nodepool(k) := {
	"address": "NodePool/gpu-h100",
	"resource_type": "NodePool",
	"file": "k8s/karpenter.yaml",
	"line": 10,
	"column": 1,
	"kubernetes": object.union({"node_class": "gpu", "node_class_found": true, "capacity_types": ["reserved"]}, k),
}

test_check_document_passes if {
	count(cap032.deny) == 0 with input as fx.doc
	count(cap032.warn) == 0 with input as fx.doc
}

test_bound_passes if {
	d := {"reservations": [nodepool({"reservations": ["aws_ec2_capacity_reservation.h100"], "reservation_terms": [{"tags": {"team": "llm"}}]})]}
	count(cap032.deny) == 0 with input as d
	count(cap032.warn) == 0 with input as d
}

test_on_demand_only_passes if {
	d := {"reservations": [nodepool({"capacity_types": ["on-demand"]})]}
	count(cap032.deny) == 0 with input as d
	count(cap032.warn) == 0 with input as d
}

test_denies_reserved_only_terms_select_nothing if {
	d := {"reservations": [nodepool({"reservation_terms": [{"id": "cr-0abc"}]})]}
	count(cap032.warn) == 0 with input as d
	cap032.deny == {{
		"rule": "CAP032",
		"msg": "NodePool/gpu-h100 allows karpenter.sh/capacity-type reserved, but the capacityReservationSelectorTerms of EC2NodeClass gpu select none of the Terraform capacity reservations: no reservation backs it, so it can launch no node; bind it to a Terraform reservation or allow on-demand",
		"target": "kubernetes/NodePool/gpu-h100",
		"location": {"file": "k8s/karpenter.yaml", "line": 10, "column": 1},
	}} with input as d
}

test_warns_with_fallback_and_no_terms if {
	d := {"reservations": [nodepool({"capacity_types": ["reserved", "on-demand"]})]}
	count(cap032.deny) == 0 with input as d
	cap032.warn == {{
		"rule": "CAP032",
		"msg": "NodePool/gpu-h100 allows karpenter.sh/capacity-type reserved, but EC2NodeClass gpu has no capacityReservationSelectorTerms: no reservation backs it, so it falls back to on-demand; bind it to a Terraform reservation or drop reserved",
		"target": "kubernetes/NodePool/gpu-h100",
		"location": {"file": "k8s/karpenter.yaml", "line": 10, "column": 1},
	}} with input as d
}

test_missing_node_class if {
	d := {"reservations": [nodepool({"node_class_found": false})]}
	some f in cap032.deny with input as d
	contains(f.msg, "but its EC2NodeClass gpu is not in the manifests:")
}

test_no_node_class if {
	d := {"reservations": [nodepool({"node_class": ""})]}
	some f in cap032.deny with input as d
	contains(f.msg, "but it names no EC2NodeClass:")
}
