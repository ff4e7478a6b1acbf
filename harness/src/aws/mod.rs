//! Readers of the configured truth from AWS (ELBv2, ECS, WAFv2, ACM) through
//! aws-sdk-rust. `AWS_ENDPOINT_URL` is honoured (that is how tests reach moto).
