# Sourced by the load scripts (from the repository root): the key their requests carry, and the
# settings (scripts/load-gateway.yaml) that make the gateway accept it without rate-limiting the load.
# shellcheck disable=SC2034
load_api_key=load-test-key-local-only
load_auth_yaml=$(grep -v '^#' scripts/load-gateway.yaml)
