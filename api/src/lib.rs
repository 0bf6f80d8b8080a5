#![forbid(unsafe_code)]
//! Sekretariat PA's HTTP API (actix-web) and the pieces of the `sekretariat` binary: config,
//! database setup, authentication, problem+json errors, routes, demo data, startup.

pub mod auth;
pub mod config;
pub mod context;
pub mod db;
pub mod demo;
pub mod error;
pub mod extract;
pub mod kp_process;
pub mod metrics;
pub mod openapi;
pub mod problem;
pub mod rbac;
pub mod replay;
pub mod routes;
pub mod security;
pub mod startup;
pub mod telemetry;
