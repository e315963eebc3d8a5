"""Writes Services/Edge/Public/openapi.json: the public API as OpenAPI 3.1, from the table below.
Run after changing a route (the edge serves the file at /api/v1/openapi.json; the schemathesis test
checks the running stack against it).   python3 docs/openapi/generate.py"""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def obj(properties, required=()):
    return {"type": "object", "properties": properties, "required": list(required)}


S, I, B = {"type": "string"}, {"type": "integer"}, {"type": "boolean"}
ID = {"type": "string", "format": "uuid"}
TIME = {"type": ["string", "null"], "format": "date-time"}
ref = lambda name: {"$ref": f"#/components/schemas/{name}"}  # noqa: E731
page = lambda item: obj({"items": {"type": "array", "items": ref(item)}, "next_page_token": {"type": ["string", "null"]}}, ["items"])  # noqa: E731

# Services/Auth/Notifications/NotificationKind.swift
NOTIFICATION_KINDS = ["batch_completed", "job_failed", "credits_low", "payment_failed", "receipt", "subscription_ending", "model_trained", "spend_limit_reached"]

SCHEMAS = {
    "Error": obj({"error": obj({"code": S, "message": S, "field": S, "request_id": S}, ["code", "message"])}, ["error"]),
    "Tokens": obj({"access_token": S, "refresh_token": S, "token_type": S}),
    "Account": obj({"id": S, "email": S, "display_name": S, "role": S, "email_verified": B, "disabled": B}),
    "SignIn": obj({"account": ref("Account"), "tokens": ref("Tokens")}, ["account"]),
    "File": obj({"id": S, "purpose": S, "content_type": S, "sha256": S, "name": S, "size": I, "width": I, "height": I,
                 "created_at": TIME, "expires_at": TIME}, ["id", "content_type", "size"]),
    "Balance": obj({"available": I, "held": I, "total": I, "tier": S, "spent_today": I, "daily_cap": I}, ["available", "held", "total"]),
    "Parameter": obj({"name": S, "type": {"enum": ["integer", "number", "boolean", "choice", "text", "colour", "file_id"]}, "summary": S,
                      "required": B, "default": S, "example": S, "unit": S, "minimum": {"type": "number"}, "maximum": {"type": "number"},
                      "step": I, "options": {"type": "array", "items": S}, "max_length": I}, ["name", "type", "required"]),
    "Operation": obj({"name": S, "aliases": {"type": "array", "items": S}, "label": S, "summary": S,
                      "category": {"enum": ["edit", "format", "look", "restore", "ai", "analyse"]}, "billing_name": S,
                      "needs_provider": B, "caps_resolution": B, "available": B,
                      "unavailable_reason": {"type": "string", "description": "provider_not_configured when no AI provider serves it here"},
                      "parameters": {"type": "array", "items": ref("Parameter")},
                      "models": {"type": "array", "items": ref("ModelOption"), "description": "an AI operation's enabled models, the default first"}},
                     ["name", "label", "category", "billing_name", "available", "parameters"]),
    "ModelOption": obj({"id": S, "label": S, "is_default": B, "price_credits": {"type": "integer", "description": "0: priced as the operation"}},
                       ["id", "label", "is_default", "price_credits"]),
    "AIProvider": obj({"id": S, "kind": {"enum": ["openai", "replicate", "runpod", "together", "stability", "comfyui"]},
                       "base_url": {"type": "string", "format": "uri"},
                       "credential": {"type": "string", "writeOnly": True, "maxLength": 4096,
                                      "description": "stored sealed, never answered; absent keeps the stored one"},
                       "credential_hint": {"type": "string", "readOnly": True, "description": "the credential's last four characters"},
                       "enabled": B, "daily_spend_limit_micros": {"type": "integer", "minimum": 0},
                       "from_configuration": {"type": "boolean", "readOnly": True},
                       "spent_today_micros": {"type": "integer", "readOnly": True, "description": "today's (UTC) provider cost so far"}},
                      ["kind", "base_url"]),
    "Spend": obj({"days": I, "credit_price_cents": I, "total_cost_micros": I, "total_revenue_micros": I, "total_margin_micros": I,
                  "lines": {"type": "array", "items": obj({"day": {"type": "string", "format": "date"}, "operation": S, "provider_id": S,
                                                           "runs": I, "failed_runs": I, "cost_micros": I, "charged_credits": I,
                                                           "revenue_micros": I, "margin_micros": I})}},
                 ["days", "lines", "total_cost_micros", "total_revenue_micros", "total_margin_micros"]),
    "AIModel": obj({"id": S, "operation": {"enum": ["colourization", "remove_background", "upscale", "generation"]},
                    "provider_id": S, "reference": {"type": "string", "description": "the provider's model, version, endpoint id, Stability path or ComfyUI workflow (JSON)"},
                    "parameters": {"type": "object", "additionalProperties": S}, "label": {"type": "string", "minLength": 1, "maxLength": 100},
                    "price_credits": {"type": "integer", "minimum": 0, "maximum": 100000, "description": "0: priced as the operation"},
                    "unit_cost_micros": {"type": "integer", "minimum": 0}, "enabled": B, "is_default": B,
                    "from_configuration": {"type": "boolean", "readOnly": True}}, ["operation", "label"]),
    "StylePreset": obj({"id": S, "label": {"type": "string", "minLength": 1, "maxLength": 100},
                        "template": {"type": "string", "maxLength": 2000, "description": "holds {prompt}, where the user's words go"},
                        "negative_prompt": S, "preview_file_id": S, "enabled": B, "position": I}, ["label", "template"]),
    "PersonalModel": obj({"id": ID, "name": S, "trigger_word": S, "status": {"enum": ["training", "ready", "failed", "canceled", "deleted"]},
                          "trainer_model_id": S, "progress": I, "error": S, "photo_ids": {"type": "array", "items": ID},
                          "created_at": TIME, "finished_at": TIME}, ["id", "name", "trigger_word", "status"]),
    "Team": obj({"id": ID, "name": S, "role": {"enum": ["owner", "admin", "member"]},
                 "monthly_limit": {"type": ["integer", "null"], "description": "your limit in this team, credits a month"},
                 "spent_this_month": {"type": ["integer", "null"]}, "balance": ref("Balance"),
                 "members": {"type": "array", "items": ref("TeamMember")}, "invitations": {"type": "array", "items": ref("TeamInvitation")},
                 "created_at": TIME}, ["id", "name", "role"]),
    "TeamMember": obj({"account_id": ID, "email": S, "display_name": S, "role": {"enum": ["owner", "admin", "member"]},
                       "monthly_limit": {"type": ["integer", "null"]}, "spent_this_month": {"type": ["integer", "null"]}, "joined_at": TIME},
                      ["account_id", "email", "role"]),
    "TeamInvitation": obj({"id": ID, "email": S, "role": {"enum": ["admin", "member"]}, "monthly_limit": {"type": ["integer", "null"]},
                           "expires_at": TIME}, ["id", "email", "role"]),
    "AICatalogue": obj({"providers": {"type": "array", "items": ref("AIProvider")}, "models": {"type": "array", "items": ref("AIModel")},
                        "presets": {"type": "array", "items": ref("StylePreset")}, "tier_limits": {"type": "array", "items": ref("TierLimit")}},
                       ["providers", "models", "presets"]),
    "TierLimit": obj({"tier_id": {"type": "string", "readOnly": True}, "daily_limit_micros": {"type": "integer", "minimum": 1},
                      "spent_today_micros": {"type": "integer", "readOnly": True, "description": "today's (UTC) cost of the tier's runs"}},
                     ["daily_limit_micros"]),
    "Step": obj({"operation": {"type": "string", "minLength": 1, "maxLength": 64},
                 "parameters": {"type": "object", "additionalProperties": {"type": ["string", "number", "boolean"], "maxLength": 100},
                                "description": "typed JSON values ({\"width\": 512}); the string forms are accepted too; "
                                               "answers give them back as strings"}}, ["operation"]),
    "Submit": obj({"input_file_ids": {"type": "array", "items": ID, "maxItems": 20}, "input_file_id": ID,
                   "steps": {"type": "array", "items": ref("Step"), "maxItems": 12}, "lane": {"enum": ["batch", "fast"]},
                   "delete_originals": B, "deadline_seconds": {"type": "integer", "minimum": 0, "maximum": 3600},
                   "team_id": {"type": "string", "format": "uuid", "description": "pay from this team's balance (you must be a member)"}}, ["steps"]),
    "Job": obj({"id": S, "status": S, "tool": S, "lane": S, "credits": S, "progress": I, "progress_message": S, "attempts": I,
                "max_attempts": I, "quoted_credits": I, "charged_credits": I, "input_file_ids": {"type": "array", "items": S},
                "output_file_ids": {"type": "array", "items": S}, "thumbnail_file_ids": {"type": "array", "items": S},
                "steps": {"type": "array", "items": ref("Step")}, "error": {"type": ["string", "null"]}, "batch_id": {"type": ["string", "null"]},
                "created_at": TIME, "team_id": {"type": ["string", "null"], "description": "the team that paid"},
                "favourite": {"type": "boolean", "description": "starred by its owner"},
                "title": {"type": "string", "description": "the first input's file name, or a generation's prompt"}}, ["id", "status", "tool"]),
    "Batch": obj({"id": S, "status": S, "tool": S, "lane": S, "job_count": I, "progress": I, "quoted_credits": I, "charged_credits": I,
                  "jobs_by_status": {"type": "object", "additionalProperties": I}, "output_file_ids": {"type": "array", "items": S}},
                 ["id", "status", "job_count"]),
    "BatchQuote": obj({"total_credits": I, "available_credits": I, "price_list_version": I, "job_count": I, "tool": S, "lane": S,
                       "sufficient": B}, ["total_credits", "job_count"]),
    "Webhook": obj({"id": S, "url": S, "events": {"type": "array", "items": S}, "secret": S, "created_at": TIME,
                    "previous_secret_expires_at": TIME}, ["id", "url"]),
    "Delivery": obj({"id": I, "message_id": S, "event": S, "status": S, "attempts": I, "last_status_code": I, "payload": S}, ["id", "event", "status"]),
    "Lane": obj({"lane": S, "queued": I, "running": I, "oldest_wait_seconds": {"type": "number"}}, ["lane", "queued", "running"]),
    "AuditEntry": obj({"id": I, "actor_id": S, "action": S, "target_id": S, "detail": {"type": "object", "additionalProperties": S}, "at": TIME},
                      ["id", "action"]),
    "Pack": obj({"id": S, "name": S, "currency": S, "price_cents": I, "credits": I}, ["id", "name", "price_cents", "credits"]),
    "Packs": obj({"items": {"type": "array", "items": ref("Pack")},
                  "credit_price_cents": {"type": "integer", "description": "the base price of a credit: what custom amounts buy"},
                  "payment_provider": {"enum": ["local", "stripe"], "description": "local: development, payments take no money"}},
                 ["items", "credit_price_cents", "payment_provider"]),
    "Tier": obj({"id": S, "name": S, "price_cents": {"type": "integer", "description": "a month's price"},
                 "annual_price_cents": {"type": "integer", "description": "a year's price, paid at once; 0: not sold yearly"},
                 "monthly_credits": I, "daily_cap": I, "priority": B, "max_output_pixels": {"type": "integer", "description": "short side of results"},
                 "carry_over": {"type": "boolean", "description": "credits accumulate while subscribed, lapse when the subscription ends"},
                 "for_sale": B}, ["id", "name", "price_cents", "monthly_credits"]),
    "Subscription": obj({"tier": ref("Tier"), "interval": {"enum": ["month", "year"]}, "period_start": TIME, "period_end": TIME,
                         "next_tier": {"type": ["string", "null"]}, "next_interval": {"type": ["string", "null"]},
                         "checkout_url": {"type": ["string", "null"], "description": "Stripe: pay here first; the tier changes when the invoice is paid"},
                         "past_due": {"type": "boolean", "description": "a renewal payment failed; the tier stays for the grace period"}},
                        ["tier", "interval"]),
    "Invoice": obj({"id": S, "number": S, "receipt_id": S, "description": S, "currency": S, "credits": I, "total_cents": I,
                    "net_cents": I, "tax_cents": I, "tax_name": S, "tax_basis_points": I, "created_at": TIME, "pdf_url": S,
                    "credit_notes": {"type": "array", "items": ref("CreditNote")}},
                   ["id", "number", "total_cents", "net_cents", "tax_cents", "pdf_url"]),
    "CreditNote": obj({"id": ID, "number": {"type": "string", "description": "CN-000001…, gapless"}, "invoice_id": ID, "invoice_number": S,
                       "currency": S, "total_cents": I, "net_cents": I, "tax_cents": I, "credits_removed": I, "reason": S,
                       "provider": S, "provider_refund_id": {"type": ["string", "null"]}, "created_at": TIME, "pdf_url": S},
                      ["id", "number", "invoice_id", "total_cents", "net_cents", "tax_cents", "credits_removed", "pdf_url"]),
    "Profile": obj({"name": {"type": "string", "maxLength": 200}, "address": {"type": "string", "maxLength": 500},
                    "country": {"type": "string", "description": "ISO 3166 alpha-2; picks the tax rate"},
                    "tax_id": {"type": "string", "maxLength": 50}}, ["name", "address", "country", "tax_id"]),
    "TaxRates": obj({"rates": {"type": "array", "items": obj({"country": {"type": "string", "pattern": "^[A-Z]{2}$"}, "name": S,
                                                              "basis_points": {"type": "integer", "minimum": 0, "maximum": 10000}},
                                                             ["country", "name", "basis_points"])}}, ["rates"]),
    "Usage": obj({"days": I, "total_credits": I, "total_charges": I, "total_jobs": I, "total_files_processed": I, "total_api_calls": I,
                  "lines": {"type": "array", "items": obj({"day": S, "operation": S, "credits_spent": I, "charges": I, "jobs": I,
                                                           "files_processed": I},
                                                          ["day", "operation", "credits_spent", "charges", "jobs", "files_processed"])},
                  "api_calls": {"type": "array", "items": obj({"day": S, "calls": I, "errors": I}, ["day", "calls", "errors"])},
                  "unavailable": {"type": "array", "items": {"enum": ["jobs", "api_calls"]},
                                  "description": "parts left out because their service did not answer"}},
                 ["days", "lines", "api_calls", "total_credits", "total_charges", "total_jobs", "total_files_processed", "total_api_calls"]),
    "CataloguePrice": obj({"item": S, "cents": I, "credits": I, "micros_per_credit": I,
                           "discount_basis_points": {"type": "integer", "description": "below the base price, hundredths of a percent"}},
                          ["item", "cents", "credits", "micros_per_credit", "discount_basis_points"]),
    "Catalogue": obj({"version": I, "currency": S, "credit_price_cents": I, "packs": {"type": "array", "items": ref("Pack")},
                      "tiers": {"type": "array", "items": ref("Tier")}, "prices": {"type": "array", "items": ref("CataloguePrice")},
                      "created_by": {"type": ["string", "null"]}, "created_at": TIME},
                     ["version", "currency", "credit_price_cents", "packs", "tiers", "prices"]),
    "CatalogueChange": obj({"credit_price_cents": {"type": "integer", "minimum": 1, "maximum": 100000},
                            "packs": {"type": "array", "minItems": 1, "maxItems": 20,
                                      "items": obj({"id": S, "name": S, "price_cents": I, "credits": I}, ["id", "name", "price_cents", "credits"])},
                            "tiers": {"type": "array", "minItems": 1, "maxItems": 20, "description": "from Free upwards; the first is free",
                                      "items": obj({"id": S, "name": S, "price_cents": I, "annual_price_cents": I, "monthly_credits": I,
                                                    "priority": B, "max_output_pixels": I, "daily_cap": I, "carry_over": B, "for_sale": B},
                                                   ["id", "name", "price_cents", "monthly_credits", "max_output_pixels", "daily_cap"])}},
                           ["credit_price_cents", "packs", "tiers"]),
    "Checkout": obj({"id": S, "status": S, "provider": S, "payment_url": S}, ["id", "status"]),
    "AdminTeam": obj({"id": ID, "name": S, "owner_email": S, "member_count": I, "created_at": TIME}, ["id", "name", "owner_email", "member_count"]),
    "Handoff": obj({"id": S, "created_at": TIME, "expires_at": TIME,
                    "redeemed_at": {"type": ["string", "null"], "format": "date-time", "description": "when the phone opened the link"},
                    "link": {"type": "string", "description": "in the creation's answer only: the link for the phone"},
                    "qr_svg": {"type": "string", "description": "in the creation's answer only: the link as a QR code (SVG)"}},
                   ["id", "expires_at"]),
    "RedeemedHandoff": obj({"handoff_id": S, "api_key": {"type": "string", "description": "isk_…: may only upload (files:write)"},
                            "expires_at": TIME}, ["handoff_id", "api_key", "expires_at"]),
    "ApiKey": obj({"id": S, "name": S, "prefix": S, "scopes": {"type": "array", "items": S}, "created_at": TIME, "last_used_at": TIME,
                   "expires_at": TIME, "revoked": B, "expired": B, "secret": {"type": "string", "description": "only in the answer to its creation"},
                   "replayed": B}, ["id", "name", "prefix", "scopes", "revoked", "expired"]),
    "ApiKeyUsage": obj({"days": {"type": "array", "items": obj({"day": {"type": "string", "format": "date"}, "calls": I, "errors": I},
                                                                ["day", "calls", "errors"])},
                        "calls": I, "errors": I}, ["days", "calls", "errors"]),
    "Notification": obj({"id": I, "kind": {"enum": NOTIFICATION_KINDS}, "title": S, "body": S, "link": {"type": ["string", "null"]},
                         "params": {"type": "object", "additionalProperties": S}, "read": B, "created_at": TIME},
                        ["id", "kind", "title", "body", "read"]),
    "NotificationPage": obj({"items": {"type": "array", "items": {"$ref": "#/components/schemas/Notification"}},
                             "next_page_token": {"type": ["string", "null"]}, "unread_count": I}, ["items", "unread_count"]),
    "TransformKey": obj({"id": S, "secret": {"type": "string", "description": "only in the answer to its creation"},
                         "secret_hint": S, "created_at": TIME}, ["id", "secret_hint"]),
    "TransformPreset": obj({"name": S, "options": S, "updated_at": TIME}, ["name", "options"]),
    "LowBalanceAlert": obj({"threshold": I, "is_default": B}, ["threshold", "is_default"]),
    "NotificationPreferences": obj({"preferences": {"type": "array", "items": obj({"kind": {"enum": NOTIFICATION_KINDS}, "mail": B}, ["kind", "mail"])}},
                                   ["preferences"]),
}

JSON = "application/json"


def body(schema):
    return {"required": True, "content": {JSON: {"schema": schema}}}


def answer(code, schema=None, description="OK"):
    response = {"description": description}
    if schema is not None:
        response["content"] = {JSON: {"schema": schema}}
    return {str(code): response, "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}


def op(summary, code=200, schema=None, request=None, params=(), public=False, tag="", extra=None):
    operation = {"summary": summary, "tags": [tag], "responses": answer(code, schema)}
    if request:
        operation["requestBody"] = request
    if params:
        operation["parameters"] = list(params)
    if public:
        operation["security"] = []
    if extra:
        operation.update(extra)
    return operation


def path_id(name="id"):
    return {"name": name, "in": "path", "required": True, "schema": ID}


def path_slug():
    """An id an admin chose (AI providers, models, presets)."""
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"}}


def query(name, schema=S, description=None):
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def raw(summary, media, params=(), tag="files", public=False):
    """An answer that is bytes, not JSON (files, zips); errors are JSON as everywhere."""
    operation = op(summary, params=params, tag=tag, public=public)
    operation["responses"] = {"200": {"description": "the bytes", "content": {media: {"schema": {"type": "string", "format": "binary"}}}},
                              "206": {"description": "the asked range", "content": {media: {"schema": {"type": "string", "format": "binary"}}}},
                              "304": {"description": "not modified (If-None-Match)"},
                              "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}
    return operation


def head(summary, params=(), tag="files", public=False):
    operation = op(summary, params=params, tag=tag, public=public)
    operation["responses"] = {"200": {"description": "the headers GET would send"}, "304": {"description": "not modified"},
                              "default": {"description": "an error"}}
    return operation


def redirect(summary, params=(), tag="auth"):
    operation = op(summary, params=params, tag=tag, public=True)
    operation["responses"] = {"302": {"description": "to the provider, or back to the web app"},
                              "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}
    return operation


KEY = {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200, "pattern": "^[A-Za-z0-9_-]+$"}}
PAGING = [query("page_size", {"type": "integer", "minimum": 1, "maximum": 100}), query("page_token")]
credentials = obj({"email": {"type": "string", "format": "email"}, "password": {"type": "string", "minLength": 10, "maxLength": 200}}, ["email", "password"])

PATHS = {
    "/healthz": {"get": op("Health of the edge and every service (503 when any one is not serving)", public=True, tag="health", schema={"type": "object"})},
    "/livez": {"get": op("The edge process answers (liveness)", public=True, tag="health", schema={"type": "object"})},
    "/readyz": {"get": op("The edge can serve its core routes (readiness; 503 while shutting down or when Auth, Billing, Jobs or Storage is not serving)", public=True, tag="health", schema={"type": "object"})},
    "/api/v1/auth/register": {"post": op("Create an account", 201, ref("Account"), body(credentials), public=True, tag="auth")},
    "/api/v1/auth/signin": {"post": op("Sign in", 200, ref("SignIn"), body(credentials), public=True, tag="auth")},
    "/api/v1/auth/refresh": {"post": op("New tokens for a refresh token", 200, {"type": "object"},
                                        body(obj({"refresh_token": S}, ["refresh_token"])), public=True, tag="auth")},
    "/api/v1/me": {"get": op("The caller's account", 200, ref("Account"), tag="account"),
                   "patch": op("Change the display name, avatar or language", 200, ref("Account"),
                               body(obj({"display_name": {"type": "string", "maxLength": 100}, "avatar_blob_id": S, "locale": S})), tag="account"),
                   "delete": op("Delete the account and everything Auth holds about it", 200, {"type": "object"},
                                body(obj({"password": S}, ["password"])), tag="account")},
    "/api/v1/files": {"get": op("The caller's files", 200, page("File"), params=PAGING + [query("purpose"), query("type")], tag="files"),
                      "post": op("Upload: a raw body (X-File-Name) or multipart/form-data (every file part)", 201, {"type": "object"},
                                 {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
                                                                "multipart/form-data": {"schema": {"type": "object"}}}},
                                 params=[query("purpose", {"enum": ["upload", "avatar", "training"]}), query("name")], tag="files")},
    "/api/v1/files/usage": {"get": op("Storage used and the quota", 200, {"type": "object"}, tag="files")},
    "/api/v1/files/{id}": {"get": op("One file's metadata", 200, ref("File"), params=[path_id()], tag="files"),
                           "patch": op("Set or clear the expiry", 200, ref("File"), body(obj({"expires_at": TIME})), params=[path_id()], tag="files"),
                           "delete": op("Delete a file", 204, params=[path_id()], tag="files")},
    "/api/v1/billing/balance": {"get": op("Credits available, held and total", 200, ref("Balance"), tag="billing")},
    "/api/v1/operations": {"get": op("The operation catalogue: every checklist operation, its parameters, and whether it runs here now",
                                     200, page("Operation"), public=True, tag="jobs")},
    "/api/v1/billing/packs": {"get": op("Credit packs and the base price of a credit", 200, ref("Packs"), public=True, tag="billing")},
    "/api/v1/billing/tiers": {"get": op("Subscription tiers on sale", 200, page("Tier"), public=True, tag="billing")},
    "/api/v1/billing/catalogue": {"get": op("What is on sale: base price, packs, tiers and each item's price per credit", 200,
                                            ref("Catalogue"), public=True, tag="billing")},
    "/api/v1/billing/history": {"get": op("Ledger entries, newest first", 200, {"type": "object"}, params=PAGING + [query("kind")], tag="billing")},
    "/api/v1/billing/receipts": {"get": op("Receipts", 200, {"type": "object"}, params=[query("page_token")], tag="billing")},
    "/api/v1/billing/subscription": {"get": op("The caller's subscription", 200, ref("Subscription"), tag="billing"),
                                     "put": op("Change tier or period: up now, down or to Free at the period's end", 200, ref("Subscription"),
                                               body(obj({"tier": S, "interval": {"enum": ["month", "year"]}}, ["tier"])), params=[KEY], tag="billing")},
    "/api/v1/billing/invoices": {"get": op("The caller's invoices, newest first", 200, page("Invoice"), params=[query("page_token")], tag="billing")},
    "/api/v1/billing/invoices/{id}/pdf": {"get": {"summary": "An invoice as a PDF", "tags": ["billing"], "parameters": [path_id()],
                                                  "responses": {"200": {"description": "the PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                                                                "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}}},
    "/api/v1/billing/credit-notes/{id}/pdf": {"get": {"summary": "A credit note (a refund) as a PDF", "tags": ["billing"], "parameters": [path_id()],
                                                      "responses": {"200": {"description": "the PDF", "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                                                                    "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}}},
    "/api/v1/admin/billing/invoices/{id}/refund": {"post": op("Refund (part of) an invoice through its provider: a credit note, the unspent credits taken back", 201,
                                                              ref("CreditNote"), body(obj({"amount_cents": {"type": "integer", "minimum": 0, "description": "0 or absent: all that is left"},
                                                                                           "reason": {"type": "string", "maxLength": 200}})),
                                                              params=[path_id(), KEY], tag="admin")},
    "/api/v1/billing/usage": {"get": op("The caller's credits spent, jobs and files processed per day and operation, and API calls per day (format=csv for a download)",
                                        params=[query("days", {"enum": [7, 30, 90]}), query("format", {"enum": ["json", "csv"]})], tag="billing",
                                        extra={"responses": {"200": {"description": "usage", "content": {JSON: {"schema": ref("Usage")},
                                                                                                          "text/csv": {"schema": S}}},
                                                             "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}})},
    "/api/v1/billing/profile": {"get": op("The buyer's details on invoices", 200, ref("Profile"), tag="billing"),
                                "put": op("Set the buyer's details (the country picks the tax rate)", 200, ref("Profile"), body(ref("Profile")), tag="billing")},
    "/api/v1/billing/portal": {"post": op("Stripe's customer portal for the caller", 200, obj({"url": S}, ["url"]), tag="billing")},
    "/api/v1/billing/checkout": {"post": op("Start buying a pack", 201, ref("Checkout"),
                                            body(obj({"pack_id": {"enum": ["starter", "standard", "studio"]}}, ["pack_id"])), params=[KEY], tag="billing")},
    "/api/v1/jobs": {"post": op("Submit a job (one input × a checklist)", 201, ref("Job"), body(ref("Submit")), params=[KEY], tag="jobs"),
                     "get": op("The caller's jobs", 200, page("Job"), params=PAGING + [query("status"), query("lane"), query("tool"), query("batch_id"), query("favourite", {"type": "boolean"}),
                              query("search", {"type": "string", "maxLength": 100}, "only jobs whose title contains this, ignoring case")], tag="jobs")},
    "/api/v1/jobs/{id}": {"get": op("One job", 200, ref("Job"), params=[path_id()], tag="jobs")},
    "/api/v1/jobs/{id}/cancel": {"post": op("Cancel a job", 200, ref("Job"), params=[path_id()], tag="jobs")},
    "/api/v1/jobs/{id}/favourite": {"put": op("Star a job (kept on the server; again: no change)", 200, ref("Job"), params=[path_id()], tag="jobs"),
                                    "delete": op("Unstar a job", 200, ref("Job"), params=[path_id()], tag="jobs")},
    "/api/v1/jobs/{id}/events": {"get": {"summary": "The job's progress as Server-Sent Events", "tags": ["jobs"], "parameters": [path_id()],
                                         "responses": {"200": {"description": "event: job, data: the job as JSON", "content": {"text/event-stream": {"schema": S}}},
                                                       "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}}},
    "/api/v1/batches/quote": {"post": op("The cost of a batch, before submitting it", 200, ref("BatchQuote"), body(ref("Submit")), tag="jobs")},
    "/api/v1/batches": {"post": op("Submit a batch: every input × the checklist", 201, ref("Batch"), body(ref("Submit")), params=[KEY], tag="jobs"),
                        "get": op("The caller's batches", 200, page("Batch"), params=[query("page_token")], tag="jobs")},
    "/api/v1/batches/{id}": {"get": op("One batch", 200, ref("Batch"), params=[path_id()], tag="jobs")},
    "/api/v1/batches/{id}/jobs": {"get": op("A batch's jobs", 200, page("Job"), params=[path_id()] + PAGING, tag="jobs")},
    "/api/v1/batches/{id}/events": {"get": {"summary": "The batch's progress as Server-Sent Events, until it is final", "tags": ["jobs"], "parameters": [path_id()],
                                            "responses": {"200": {"description": "event: batch (the batch as JSON), then event: job for each of its jobs; at each change, batch and the jobs that changed",
                                                                  "content": {"text/event-stream": {"schema": S}}},
                                                          "default": {"description": "an error", "content": {JSON: {"schema": ref("Error")}}}}}},
    "/api/v1/batches/{id}/cancel": {"post": op("Cancel a batch's unfinished jobs", 200, ref("Batch"), params=[path_id()], tag="jobs")},
    "/api/v1/webhooks": {"get": op("The caller's webhooks", 200, page("Webhook"), tag="webhooks")},
    "/api/v1/webhooks/{id}": {"delete": op("Delete a webhook", 204, params=[path_id()], tag="webhooks")},
    "/api/v1/webhooks/{id}/deliveries": {"get": op("A webhook's delivery log", 200, page("Delivery"), params=[path_id(), query("page_token")], tag="webhooks")},
    "/api/v1/webhooks/{id}/rotate-secret": {"post": op("A new signing secret (shown once); the previous one signs beside it for the overlap",
                                                       200, ref("Webhook"), params=[path_id()], tag="webhooks")},
    "/api/v1/webhooks/{id}/test": {"post": op("Send a webhook.test event", 202, ref("Delivery"), params=[path_id()], tag="webhooks")},
    "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": {"post": op(
        "Send a past delivery's event again (same webhook-id)", 202, ref("Delivery"),
        params=[path_id(), {"name": "delivery_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 1}}], tag="webhooks")},
    # Admin (the caller's account has role admin; others get 403).
    # Accounts and sessions.
    "/api/v1/auth/signout": {"post": op("Sign out: the refresh token's family is revoked", 200, {"type": "object"},
                                        body(obj({"refresh_token": S})), public=True, tag="auth")},
    "/api/v1/auth/verify-email/request": {"post": op("Mail a verification link (answered at once, whatever the address)", 202, {"type": "object"},
                                                     body(obj({"email": {"type": "string", "format": "email"}}, ["email"])), public=True, tag="auth")},
    "/api/v1/auth/verify-email": {"post": op("Use a verification token", 200, {"type": "object"}, body(obj({"token": S}, ["token"])), public=True, tag="auth")},
    "/api/v1/auth/password/forgot": {"post": op("Mail a reset link (answered at once, whatever the address)", 202, {"type": "object"},
                                                body(obj({"email": {"type": "string", "format": "email"}}, ["email"])), public=True, tag="auth")},
    "/api/v1/auth/password/reset": {"post": op("Use a reset token to set a new password", 200, {"type": "object"},
                                               body(obj({"token": S, "password": {"type": "string", "minLength": 10, "maxLength": 200}}, ["token", "password"])),
                                               public=True, tag="auth")},
    "/api/v1/auth/keys": {"get": op("The caller's API keys (never their secrets)", 200, page("ApiKey"), tag="auth"),
                          "post": op("A new API key: its secret (isk_…) is shown once", 201, ref("ApiKey"),
                                     body(obj({"name": S, "scopes": {"type": "array", "items": S},
                                               "expires_in_days": {"type": "integer", "minimum": 0, "maximum": 3650,
                                                                   "description": "0 or absent: the key does not expire"}}, ["name"])),
                                     params=[KEY], tag="auth")},
    "/api/v1/auth/keys/{id}": {"delete": op("Revoke an API key", 200, {"type": "object"}, params=[path_id()], tag="auth")},
    "/api/v1/auth/keys/{id}/usage": {"get": op("A key's calls and errors per UTC day", 200, ref("ApiKeyUsage"),
                                               params=[path_id(), query("days", {"type": "integer", "minimum": 1, "maximum": 90})], tag="auth")},
    "/api/v1/handoffs": {"post": op("A desktop → phone hand-off: a link (and the same link as a QR code, SVG) that a phone opens once "
                                    "to upload into this account until it expires (AUTH_HANDOFF_TTL_S)", 201, ref("Handoff"),
                                    params=[KEY], tag="auth")},
    "/api/v1/handoffs/{id}": {"get": op("One of the caller's hand-offs: when it ends, and when the phone opened it", 200, ref("Handoff"),
                                        params=[path_id()], tag="auth")},
    "/api/v1/handoffs/redeem": {"post": op("The phone opens a hand-off's link: once, before it expires; the answer is an API key that may "
                                           "only upload (files:write) until the hand-off ends", 200, ref("RedeemedHandoff"),
                                           body(obj({"token": {"type": "string", "minLength": 1, "maxLength": 128}}, ["token"])),
                                           public=True, tag="auth")},
    "/api/v1/auth/oauth/providers": {"get": op("The OAuth providers configured here", 200, {"type": "object"}, public=True, tag="auth")},
    "/api/v1/auth/oauth/{provider}/start": {"get": redirect("Start signing in with a provider", [{"name": "provider", "in": "path", "required": True, "schema": S}])},
    "/api/v1/auth/oauth/{provider}/callback": {"get": redirect("The provider's redirect back",
                                                               [{"name": "provider", "in": "path", "required": True, "schema": S}, query("code"), query("state")])},
    "/api/v1/me/password": {"post": op("Change the password; other sessions are signed out", 200, {"type": "object"},
                                       body(obj({"current_password": S, "new_password": {"type": "string", "minLength": 10, "maxLength": 200}},
                                                ["current_password", "new_password"])), tag="account")},
    "/api/v1/me/export": {"get": op("Everything Auth holds about the caller, as a JSON download", 200, {"type": "object"}, tag="account")},
    "/api/v1/me/sign-ins": {"get": op("Recent sign-in attempts", 200, {"type": "object"}, tag="account")},
    # Notifications.
    "/api/v1/notifications": {"get": op("The caller's notifications, newest first, with the unread count", 200, ref("NotificationPage"),
                                        params=PAGING + [query("unread", {"enum": ["true", "false"]})], tag="notifications")},
    "/api/v1/notifications/read": {"post": op("Mark notifications read (some by id, or all)", 200, obj({"unread_count": I}, ["unread_count"]),
                                              body(obj({"ids": {"type": "array", "items": I, "maxItems": 500}, "all": B})), tag="notifications")},
    "/api/v1/notifications/preferences": {"get": op("Mail on or off per kind (in-app notifications are always kept)", 200,
                                                    ref("NotificationPreferences"), tag="notifications"),
                                          "put": op("Choose mail per kind (the kinds named; the others keep their choice)", 200,
                                                    ref("NotificationPreferences"), body(ref("NotificationPreferences")), tag="notifications")},
    "/api/v1/notifications/unsubscribe": {"post": op("One-click unsubscribe (RFC 8058): a mail's token stops that kind of mail", 200,
                                                     obj({"kind": S, "unsubscribed": B}, ["kind"]),
                                                     {"required": False, "content": {
                                                         JSON: {"schema": obj({"token": S}, ["token"])},
                                                         "application/x-www-form-urlencoded": {"schema": obj({"List-Unsubscribe": {"const": "One-Click"}})}}},
                                                     params=[query("token")], public=True, tag="notifications")},
    "/api/v1/notifications/credits-low": {"get": op("When the caller is warned that credits run low", 200, ref("LowBalanceAlert"), tag="notifications"),
                                          "put": op("Choose the threshold, or go back to the default", 200, ref("LowBalanceAlert"),
                                                    body(obj({"threshold": {"type": "integer", "minimum": 0, "maximum": 1000000}, "use_default": B})),
                                                    tag="notifications")},
    # Files and uploads.
    "/api/v1/files/{id}/content": {"get": raw("A file's bytes (Range, If-None-Match, If-Range)", "*/*", [path_id(), query("disposition")]),
                                   "head": head("A file's headers", [path_id()])},
    "/api/v1/files/{id}/link": {"post": op("A signed link anyone may use until it expires", 201, {"type": "object"},
                                           body(obj({"ttl_seconds": I, "disposition": S})), params=[path_id()], tag="files")},
    "/api/v1/files/zip": {"post": op("A stored zip of the caller's files", 201, ref("File"),
                                     body(obj({"ids": {"type": "array", "items": ID}, "name": S}, ["ids"])), tag="files")},
    "/d/{id}": {"get": raw("A file's bytes through a signed link", "*/*", [{"name": "id", "in": "path", "required": True, "schema": S},
                                                                          query("exp"), query("disp"), query("sig")], public=True),
                "head": head("A signed link's headers", [{"name": "id", "in": "path", "required": True, "schema": S}, query("exp"), query("sig")], public=True)},
    # URL transformations (docs/api.md, "URL transformations").
    "/t/{signature}/{path}": {
        "get": raw("A transformed picture through a signed link: computed and charged to the file's owner on the first request, "
                   "then served from cache (immutable)", "image/*",
                   [{"name": "signature", "in": "path", "required": True, "schema": S,
                     "description": "base64url HMAC-SHA256 of the path after it, with one of the owner's transformation keys"},
                    {"name": "path", "in": "path", "required": True, "schema": S,
                     "description": "option segments and the file id, slash-separated: rs:fill:300:300/f:auto/{file_id}[.webp]"}],
                   tag="transformations", public=True),
        "head": head("A transformation link's headers", [{"name": "signature", "in": "path", "required": True, "schema": S},
                                                         {"name": "path", "in": "path", "required": True, "schema": S}],
                     tag="transformations", public=True)},
    "/api/v1/transformations/keys": {
        "get": op("The caller's transformation keys (newest first; links are signed with the first)", 200,
                  obj({"keys": {"type": "array", "items": ref("TransformKey")}}, ["keys"]), tag="transformations"),
        "post": op("A new transformation key (its secret is shown once)", 201, ref("TransformKey"), params=[KEY], tag="transformations")},
    "/api/v1/transformations/keys/{id}": {"delete": op("Delete a key: links signed with it stop working", 204, params=[path_id()],
                                                       tag="transformations")},
    "/api/v1/transformations/presets": {"get": op("The caller's named presets", 200,
                                                  obj({"presets": {"type": "array", "items": ref("TransformPreset")}}, ["presets"]),
                                                  tag="transformations")},
    "/api/v1/transformations/presets/{name}": {
        "put": op("Create or change a preset (pr:{name} in a link)", 200, ref("TransformPreset"),
                  body(obj({"options": {"type": "string", "maxLength": 512, "examples": ["rs:fill:300:300/q:80/f:auto"]}}, ["options"])),
                  params=[{"name": "name", "in": "path", "required": True, "schema": {"type": "string", "pattern": "^[a-z0-9_-]{1,40}$"}}],
                  tag="transformations"),
        "delete": op("Delete a preset", 204, params=[{"name": "name", "in": "path", "required": True, "schema": S}], tag="transformations")},
    "/api/v1/files/{id}/transformations": {"post": op("A transformation link for one of the caller's files, signed with the newest key "
                                                      "(one is made when there is none); nothing is computed until it is asked for", 201,
                                                      obj({"url": S, "path": S, "key_id": S}, ["url", "path", "key_id"]),
                                                      body(obj({"options": {"type": "string", "maxLength": 512, "examples": ["rs:fit:800:0/f:auto"]},
                                                                "extension": {"enum": ["jpeg", "jpg", "png", "webp", "avif"]}}, ["options"])),
                                                      params=[path_id()], tag="transformations")},
    "/api/v1/uploads": {"post": op("Begin a resumable upload", 201, {"type": "object"},
                                   body(obj({"purpose": S, "name": S, "size": I, "expires_in_seconds": I})), params=[KEY], tag="files")},
    "/api/v1/uploads/{id}": {"get": op("A resumable upload's progress", 200, {"type": "object"}, params=[path_id()], tag="files"),
                             "put": op("Append bytes at ?offset=N", 200, {"type": "object"},
                                       {"required": True, "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                                       params=[path_id(), query("offset", {"type": "integer", "minimum": 0})], tag="files"),
                             "delete": op("Abandon an upload", 204, params=[path_id()], tag="files")},
    "/api/v1/uploads/{id}/commit": {"post": op("Finish an upload: the file", 201, ref("File"), params=[path_id()], tag="files")},
    "/api/v1/batches/{id}/zip": {"get": raw("A batch's results as one zip", "application/zip", [path_id()], tag="jobs")},
    "/api/v1/webhooks": {"get": op("The caller's webhooks", 200, page("Webhook"), tag="webhooks"),
                         "post": op("Register a webhook (its signing secret is shown once)", 201, ref("Webhook"),
                                    body(obj({"url": {"type": "string", "format": "uri"}, "events": {"type": "array", "items": S}}, ["url"])), tag="webhooks")},
    # Money.
    "/api/v1/billing/quote": {"post": op("The exact cost of operations, line by line", 200, {"type": "object"},
                                         body(obj({"items": {"type": "array", "items": obj({"operations": {"type": "array", "items": S}, "count": I,
                                                                                            "megapixels": {"type": "number"}, "width": I, "height": I},
                                                                                           ["operations"])},
                                                   "lane": {"enum": ["batch", "fast"]}}, ["items"])), tag="billing")},
    "/api/v1/billing/checkout/{id}": {"get": op("A checkout's status and receipt", 200, ref("Checkout"), params=[path_id()], tag="billing")},
    "/api/v1/billing/checkout/{id}/complete": {"post": op("The local provider's payment (development only)", 200, ref("Checkout"),
                                                          params=[path_id()], tag="billing")},
    "/api/v1/billing/webhooks/stripe": {"post": op("Stripe's events, signed (Stripe-Signature)", 200, obj({"outcome": {"enum": ["applied", "duplicate", "ignored"]}}),
                                                   {"required": True, "content": {JSON: {"schema": {"type": "object"}}}},
                                                   params=[{"name": "Stripe-Signature", "in": "header", "required": False, "schema": S}],
                                                   public=True, tag="billing")},
    "/api/v1/openapi.json": {"get": op("This document", 200, {"type": "object"}, public=True, tag="health")},
    "/api/v1/docs": {"get": op("This document, rendered for reading (HTML)", public=True, tag="health",
                               extra={"responses": {"200": {"description": "the reference page", "content": {"text/html": {"schema": S}}}}})},
    # Admin writes.
    "/api/v1/admin/billing/grants": {"post": op("Promotional credits or a refund to an account", 201, {"type": "object"},
                                                body(obj({"account_id": S, "amount": {"type": "integer", "minimum": 1}, "source": {"enum": ["promotional", "refund"]},
                                                          "expires_in_seconds": I, "reference": S}, ["account_id", "amount"])), params=[KEY], tag="admin")},
    "/api/v1/admin/signing-keys/rotate": {"post": op("A new token signing key (audited)", 200, {"type": "object"}, tag="admin")},
    "/api/v1/admin/users/{id}/files": {"delete": op("Delete every file of a user", 200, {"type": "object"}, params=[path_id()], tag="admin")},
    "/api/v1/admin/teams": {"get": op("Every team, newest first, with its owner's address and member count; q matches the name or the owner's address",
                                      200, page("AdminTeam"), params=PAGING + [query("q", {"type": "string", "maxLength": 100})], tag="admin")},
    "/api/v1/admin/users": {"get": op("Accounts, filtered by a text query", 200, page("Account"), params=PAGING + [query("q")], tag="admin")},
    "/api/v1/admin/users/{id}": {"get": op("One account", 200, ref("Account"), params=[path_id()], tag="admin"),
                                 "patch": op("Disable or enable an account, or change its role (audited)", 200, ref("Account"),
                                             body(obj({"disabled": B, "role": {"enum": ["user", "admin"]}})), params=[path_id()], tag="admin")},
    "/api/v1/admin/audit": {"get": op("The audit log, newest first", 200, page("AuditEntry"), params=PAGING, tag="admin")},
    "/api/v1/admin/billing/tax-rates": {"get": op("Tax rates by country", 200, ref("TaxRates"), tag="admin"),
                                        "put": op("Replace the tax rates", 200, ref("TaxRates"), body(ref("TaxRates")), params=[KEY], tag="admin")},
    "/api/v1/admin/billing/catalogue": {"get": op("The sales catalogue with every tier and its price-per-credit table", 200, ref("Catalogue"), tag="admin"),
                                        "put": op("A new version of the sales catalogue (400 price_rule when it breaks the price rule)", 200,
                                                  ref("Catalogue"), body(ref("CatalogueChange")), params=[KEY], tag="admin")},
    "/api/v1/admin/billing/prices": {"get": op("The price list in force", 200, {"type": "object"}, tag="admin"),
                                     "put": op("A new version of the price list", 200, {"type": "object"},
                                               body(obj({"prices": {"type": "array", "items": obj({"operation": S, "credits": I, "per_megapixel": I,
                                                                                                   "included_megapixels": I}, ["operation", "credits"])},
                                                         "fast_lane_percent": I}, ["prices"])), params=[KEY], tag="admin")},
    "/api/v1/admin/billing/report": {"get": op("Revenue and credits over a period", 200, {"type": "object"},
                                               params=[query("from", {"type": "string", "format": "date-time"}), query("to", {"type": "string", "format": "date-time"}),
                                                       query("limit", {"type": "integer", "minimum": 1, "maximum": 1000})], tag="admin")},
    "/api/v1/admin/jobs": {"get": op("Every user's jobs, filtered", 200, page("Job"),
                                     params=PAGING + [query("owner_id"), query("status"), query("lane"), query("tool"), query("batch_id")], tag="admin")},
    "/api/v1/admin/jobs/{id}/retry": {"post": op("Queue a failed, canceled or expired job again", 200, ref("Job"), params=[path_id()], tag="admin")},
    "/api/v1/admin/jobs/{id}/cancel": {"post": op("Cancel any user's job", 200, ref("Job"), params=[path_id()], tag="admin")},
    "/api/v1/admin/queues": {"get": op("Queue depth per lane", 200, page("Lane"), tag="admin")},
    # The AI catalogue (docs/api.md, Jobs).
    "/api/v1/ai/models": {"get": op("The enabled AI models that can run now, per operation", 200, page("AIModel"), public=True, tag="ai")},
    "/api/v1/ai/presets": {"get": op("The style presets generation offers", 200, page("StylePreset"), public=True, tag="ai")},
    "/api/v1/files/{id}/corners": {"get": op("Where a photographed print's corners probably are, as the perspective step's parameters", 200,
                                             obj({"found": B, "parameters": {"type": "object", "additionalProperties": {"type": "number", "minimum": 0, "maximum": 1}}},
                                                 ["found"]), params=[path_id()], tag="files")},
    "/api/v1/models": {"get": op("Your personal models, newest first", 200, page("PersonalModel"), tag="ai"),
                       "post": op("Train a personal model on 10–30 of your training photos (quoted and held as train_model)", 202,
                                  ref("PersonalModel"),
                                  body(obj({"name": {"type": "string", "minLength": 1, "maxLength": 60},
                                            "trigger_word": {"type": "string", "pattern": "^[A-Za-z0-9]{2,40}$"},
                                            "photo_ids": {"type": "array", "items": ID, "minItems": 1, "maxItems": 30},
                                            "model": S}, ["name", "photo_ids"])), params=[KEY], tag="ai")},
    "/api/v1/models/{id}": {"get": op("One of your personal models", 200, ref("PersonalModel"), params=[path_id()], tag="ai"),
                            "delete": op("Delete a personal model and its training photos (a training under way is canceled)", 204,
                                         params=[path_id()], tag="ai")},
    "/api/v1/admin/ai/spend": {"get": op("Provider cost against revenue per day, operation and provider (margin)", 200, ref("Spend"),
                                         params=[query("days", {"type": "integer", "minimum": 1, "maximum": 90})], tag="admin")},
    "/api/v1/admin/ai": {"get": op("Every AI provider (credentials as hints), model and preset", 200, ref("AICatalogue"), tag="admin")},
    "/api/v1/admin/ai/providers/{id}": {"put": op("Add or replace a provider (the next quote uses it)", 200, ref("AIProvider"), body(ref("AIProvider")), params=[path_slug()], tag="admin"),
                                        "delete": op("Remove a provider and its models", 204, params=[path_slug()], tag="admin")},
    "/api/v1/admin/ai/models/{id}": {"put": op("Add or replace a model", 200, ref("AIModel"), body(ref("AIModel")), params=[path_slug()], tag="admin"),
                                     "delete": op("Remove a model", 204, params=[path_slug()], tag="admin")},
    "/api/v1/admin/ai/tier-limits/{id}": {"put": op("Set a tier's daily spend limit for its AI runs at every provider together", 200, ref("TierLimit"),
                                                   body(ref("TierLimit")), params=[path_slug()], tag="admin"),
                                           "delete": op("Lift a tier's daily spend limit", 204, params=[path_slug()], tag="admin")},
    "/api/v1/admin/ai/presets/{id}": {"put": op("Add or replace a style preset", 200, ref("StylePreset"), body(ref("StylePreset")), params=[path_slug()], tag="admin"),
                                      "delete": op("Remove a style preset", 204, params=[path_slug()], tag="admin")},
    # Teams (docs/api.md, "Teams").
    "/api/v1/teams": {"get": op("Your teams, with your role and limit in each", 200, page("Team"), tag="teams"),
                      "post": op("Create a team (you are its owner)", 201, ref("Team"),
                                 body(obj({"name": {"type": "string", "minLength": 1, "maxLength": 100}}, ["name"])), params=[KEY], tag="teams")},
    "/api/v1/teams/join": {"post": op("Accept an invitation with the mailed token (signed in with the invited address)", 200, ref("Team"),
                                      body(obj({"token": {"type": "string", "minLength": 1, "maxLength": 128}}, ["token"])), tag="teams")},
    "/api/v1/teams/{team}": {"get": op("A team: its balance, members (with this month's spending) and open invitations", 200, ref("Team"),
                                       params=[path_id("team")], tag="teams"),
                             "delete": op("Delete a team (the owner; refused while it has credits)", 204, params=[path_id("team")], tag="teams")},
    "/api/v1/teams/{team}/invitations": {"post": op("Invite an address (owners and admins; only the owner invites admins)", 201, ref("TeamInvitation"),
                                                    body(obj({"email": {"type": "string", "format": "email"}, "role": {"enum": ["admin", "member"]},
                                                              "monthly_limit": {"type": "integer", "minimum": 0}}, ["email"])),
                                                    params=[path_id("team")], tag="teams")},
    "/api/v1/teams/{team}/invitations/{invitation}": {"delete": op("Withdraw an open invitation", 204,
                                                                   params=[path_id("team"), path_id("invitation")], tag="teams")},
    "/api/v1/teams/{team}/members/{member}": {
        "patch": op("Change a member's role (the owner) or monthly limit (null: none)", 200, ref("TeamMember"),
                    body(obj({"role": {"enum": ["admin", "member"]}, "monthly_limit": {"type": ["integer", "null"], "minimum": 0}})),
                    params=[path_id("team"), path_id("member")], tag="teams"),
        "delete": op("Remove a member, or leave (your own id)", 204, params=[path_id("team"), path_id("member")], tag="teams")},
}

PATHS["/api/v1/files/{id}/share"] = {"post": op("Share one of your files with a team you belong to (its members may read it)", 200, ref("File"),
                                                 body(obj({"team_id": ID}, ["team_id"])), params=[path_id()], tag="teams")}
PATHS["/api/v1/files/{id}/share/{team}"] = {"delete": op("Stop sharing a file with a team", 204, params=[path_id(), path_id("team")], tag="teams")}

# The files members shared with a team: read as one's own are (any member).
for sub, methods in {"": ["get"], "/{id}": ["get"], "/{id}/content": ["get", "head"]}.items():
    team_path = {}
    for method in methods:
        operation = json.loads(json.dumps(PATHS["/api/v1/files" + sub][method]))
        operation["summary"] = "Shared with the team: " + operation["summary"][0].lower() + operation["summary"][1:]
        operation["tags"] = ["teams"]
        operation["parameters"] = [path_id("team")] + operation.get("parameters", [])
        team_path[method] = operation
    PATHS["/api/v1/teams/{team}/files" + sub] = team_path

# The team's money: the same operations as one's own billing, on the team's account.
TEAM_BILLING = {"balance": ["get"], "history": ["get"], "checkout": ["post"], "checkout/{id}": ["get"],
                "checkout/{id}/complete": ["post"], "subscription": ["get", "put"], "receipts": ["get"], "invoices": ["get"],
                "invoices/{id}/pdf": ["get"], "credit-notes/{id}/pdf": ["get"], "profile": ["get", "put"]}
for sub, methods in TEAM_BILLING.items():
    team_path = {}
    for method in methods:
        operation = json.loads(json.dumps(PATHS["/api/v1/billing/" + sub][method]))
        operation["summary"] = "The team's: " + operation["summary"][0].lower() + operation["summary"][1:] + (
            " (any member)" if sub == "balance" else " (owners and admins)")
        operation["tags"] = ["teams"]
        operation["parameters"] = [path_id("team")] + operation.get("parameters", [])
        team_path[method] = operation
    PATHS["/api/v1/teams/{team}/billing/" + sub] = team_path

def operation_id(method, path):
    """getFilesByIdContent for GET /api/v1/files/{id}/content: unique, stable, from the route itself."""
    words = []
    for part in path.strip("/").split("/"):
        if part in ("api", "v1"):
            continue
        if part.startswith("{"):
            words.append("By" + part[1:-1].title().replace("_", ""))
        else:
            words.append("".join(w.title() for w in part.replace(".", "-").replace("_", "-").split("-")))
    return method + "".join(words)


# Each route's caller rule (CallerRequirement where the route is registered; checked against the
# routes by RouteRequirementTests): "session", "admin", a scope, "a+b" (both), "a or b" (either).
# Routes not named take any caller (or are public: op(public=True)). A team's routes
# (/api/v1/teams/{team}/billing|files/...) take the rule of the same route without the team prefix.
REQUIRES = {
    "DELETE /api/v1/admin/ai/models/{id}": "admin",
    "DELETE /api/v1/admin/ai/presets/{id}": "admin",
    "DELETE /api/v1/admin/ai/providers/{id}": "admin",
    "DELETE /api/v1/admin/ai/tier-limits/{id}": "admin",
    "DELETE /api/v1/admin/users/{id}/files": "admin",
    "GET /api/v1/admin/ai": "admin",
    "GET /api/v1/admin/ai/spend": "admin",
    "GET /api/v1/admin/audit": "admin",
    "GET /api/v1/admin/billing/catalogue": "admin",
    "GET /api/v1/admin/billing/prices": "admin",
    "GET /api/v1/admin/billing/report": "admin",
    "GET /api/v1/admin/billing/tax-rates": "admin",
    "GET /api/v1/admin/jobs": "admin",
    "GET /api/v1/admin/queues": "admin",
    "GET /api/v1/admin/users": "admin",
    "GET /api/v1/admin/teams": "admin",
    "GET /api/v1/admin/users/{id}": "admin",
    "PATCH /api/v1/admin/users/{id}": "admin",
    "POST /api/v1/admin/billing/grants": "admin",
    "POST /api/v1/admin/billing/invoices/{id}/refund": "admin",
    "POST /api/v1/admin/jobs/{id}/cancel": "admin",
    "POST /api/v1/admin/jobs/{id}/retry": "admin",
    "POST /api/v1/admin/signing-keys/rotate": "admin",
    "PUT /api/v1/admin/ai/models/{id}": "admin",
    "PUT /api/v1/admin/ai/presets/{id}": "admin",
    "PUT /api/v1/admin/ai/providers/{id}": "admin",
    "PUT /api/v1/admin/ai/tier-limits/{id}": "admin",
    "PUT /api/v1/admin/billing/catalogue": "admin",
    "PUT /api/v1/admin/billing/prices": "admin",
    "PUT /api/v1/admin/billing/tax-rates": "admin",
    "GET /api/v1/billing/balance": "billing:read",
    "GET /api/v1/billing/checkout/{id}": "billing:read",
    "GET /api/v1/billing/credit-notes/{id}/pdf": "billing:read",
    "GET /api/v1/billing/history": "billing:read",
    "GET /api/v1/billing/invoices": "billing:read",
    "GET /api/v1/billing/invoices/{id}/pdf": "billing:read",
    "GET /api/v1/billing/profile": "billing:read",
    "GET /api/v1/billing/receipts": "billing:read",
    "GET /api/v1/billing/subscription": "billing:read",
    "GET /api/v1/billing/usage": "billing:read",
    "GET /api/v1/notifications/credits-low": "billing:read",
    "GET /api/v1/teams": "billing:read",
    "GET /api/v1/teams/{team}": "billing:read",
    "POST /api/v1/batches/quote": "billing:read or jobs:write",
    "POST /api/v1/billing/quote": "billing:read or jobs:write",
    "GET /api/v1/files": "files:read",
    "GET /api/v1/files/usage": "files:read",
    "GET /api/v1/files/{id}": "files:read",
    "GET /api/v1/files/{id}/content": "files:read",
    "GET /api/v1/files/{id}/corners": "files:read",
    "GET /api/v1/transformations/keys": "files:read",
    "GET /api/v1/transformations/presets": "files:read",
    "HEAD /api/v1/files/{id}/content": "files:read",
    "POST /api/v1/files/zip": "files:read",
    "POST /api/v1/files/{id}/link": "files:read",
    "POST /api/v1/files/{id}/transformations": "files:read",
    "GET /api/v1/batches/{id}/zip": "files:read+jobs:read",
    "DELETE /api/v1/files/{id}": "files:write",
    "DELETE /api/v1/files/{id}/share/{team}": "files:write",
    "DELETE /api/v1/transformations/keys/{id}": "files:write",
    "DELETE /api/v1/transformations/presets/{name}": "files:write",
    "DELETE /api/v1/uploads/{id}": "files:write",
    "GET /api/v1/uploads/{id}": "files:write",
    "PATCH /api/v1/files/{id}": "files:write",
    "POST /api/v1/files": "files:write",
    "POST /api/v1/files/{id}/share": "files:write",
    "POST /api/v1/transformations/keys": "files:write",
    "POST /api/v1/uploads": "files:write",
    "POST /api/v1/uploads/{id}/commit": "files:write",
    "PUT /api/v1/transformations/presets/{name}": "files:write",
    "PUT /api/v1/uploads/{id}": "files:write",
    "GET /api/v1/batches": "jobs:read",
    "GET /api/v1/batches/{id}": "jobs:read",
    "GET /api/v1/batches/{id}/jobs": "jobs:read",
    "GET /api/v1/batches/{id}/events": "jobs:read",
    "GET /api/v1/jobs": "jobs:read",
    "GET /api/v1/jobs/{id}": "jobs:read",
    "GET /api/v1/jobs/{id}/events": "jobs:read",
    "GET /api/v1/models": "jobs:read",
    "GET /api/v1/models/{id}": "jobs:read",
    "GET /api/v1/webhooks": "jobs:read",
    "GET /api/v1/webhooks/{id}/deliveries": "jobs:read",
    "DELETE /api/v1/models/{id}": "jobs:write",
    "POST /api/v1/batches": "jobs:write",
    "POST /api/v1/batches/{id}/cancel": "jobs:write",
    "POST /api/v1/jobs": "jobs:write",
    "POST /api/v1/jobs/{id}/cancel": "jobs:write",
    "PUT /api/v1/jobs/{id}/favourite": "jobs:write",
    "DELETE /api/v1/jobs/{id}/favourite": "jobs:write",
    "POST /api/v1/models": "jobs:write",
    "POST /api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver": "jobs:write",
    "POST /api/v1/webhooks/{id}/test": "jobs:write",
    "GET /api/v1/me": "profile:read",
    "GET /api/v1/me/sign-ins": "profile:read",
    "GET /api/v1/notifications": "profile:read",
    "GET /api/v1/notifications/preferences": "profile:read",
    "DELETE /api/v1/auth/keys/{id}": "session",
    "DELETE /api/v1/me": "session",
    "DELETE /api/v1/teams/{team}": "session",
    "DELETE /api/v1/teams/{team}/invitations/{invitation}": "session",
    "DELETE /api/v1/teams/{team}/members/{member}": "session",
    "DELETE /api/v1/webhooks/{id}": "session",
    "GET /api/v1/auth/keys": "session",
    "GET /api/v1/auth/keys/{id}/usage": "session",
    "GET /api/v1/me/export": "session",
    "PATCH /api/v1/me": "session",
    "PATCH /api/v1/teams/{team}/members/{member}": "session",
    "POST /api/v1/auth/keys": "session",
    "POST /api/v1/handoffs": "session",
    "GET /api/v1/handoffs/{id}": "session",
    "POST /api/v1/billing/checkout": "session",
    "POST /api/v1/billing/checkout/{id}/complete": "session",
    "POST /api/v1/billing/portal": "session",
    "POST /api/v1/me/password": "session",
    "POST /api/v1/notifications/read": "session",
    "POST /api/v1/teams": "session",
    "POST /api/v1/teams/join": "session",
    "POST /api/v1/teams/{team}/invitations": "session",
    "POST /api/v1/webhooks": "session",
    "POST /api/v1/webhooks/{id}/rotate-secret": "session",
    "PUT /api/v1/billing/profile": "session",
    "PUT /api/v1/billing/subscription": "session",
    "PUT /api/v1/notifications/credits-low": "session",
    "PUT /api/v1/notifications/preferences": "session",
}


def security(rule):
    """A rule of REQUIRES as OpenAPI 3.1 security: for an http scheme the array names the roles (here:
    scopes, "session", "admin") a call needs; several entries are alternatives."""
    return [{"bearer": alternative.split("+")} for alternative in rule.split(" or ")]


for route, item in PATHS.items():
    for verb, operation in item.items():
        own = re.sub(r"^/api/v1/teams/\{team\}(?=/billing|/files)", "/api/v1", route)
        rule = REQUIRES.get(f"{verb.upper()} {own}")
        if rule:
            assert "security" not in operation, f"{verb} {route} is public and has a rule"
            operation["security"] = security(rule)


for route, item in PATHS.items():
    for verb, operation in item.items():
        operation["operationId"] = operation_id(verb, route)
ids = [operation["operationId"] for item in PATHS.values() for operation in item.values()]
assert len(ids) == len(set(ids)), "operationIds must be unique"

document = {
    "openapi": "3.1.0",
    "info": {"title": "ImageSwiss API", "version": "1.0.0",
             "description": "The public HTTP API of ImageSwiss (docs/api.md). Errors are {error: {code, message, field?, request_id}}; "
                            "mutating calls take an Idempotency-Key header; rate limits answer 429 with Retry-After."},
    "servers": [{"url": "/"}],
    "security": [{"bearer": []}],
    "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "description": "an access token or an API key (isk_…)"}},
                   "schemas": SCHEMAS},
    "paths": PATHS,
}

with open(os.path.join(ROOT, "Services/Edge/Public/openapi.json"), "w") as out:
    json.dump(document, out, indent=1, sort_keys=True)
    out.write("\n")
print(f"{len(PATHS)} paths written")
