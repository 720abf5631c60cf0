# Elastic L40S nodes for batch embedding jobs: shown, never guaranteed.
resource "aws_eks_node_group" "l40s_burst" {
  cluster_name    = "ml-batch"
  node_group_name = "l40s-burst"
  node_role_arn   = "arn:aws:iam::123456789012:role/eks-nodes"
  subnet_ids      = ["subnet-0a1b2c3d", "subnet-4e5f6a7b"]
  instance_types  = ["g6e.12xlarge"]
  capacity_type   = "ON_DEMAND"

  scaling_config {
    desired_size = 0
    min_size     = 0
    max_size     = 4
  }
}
