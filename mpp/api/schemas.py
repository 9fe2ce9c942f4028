"""What requests carry: bodies validated strictly (a string is not an id), and the body reader.

Views name these models as their ``json`` (or ``query``) parameter; spectree validates with
them and documents them (``mpp.api.openapi``).
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from flask import request
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from ..domain.errors import DomainError
from ..domain.ids import MAX_ID


def _integral_float(value: object) -> object:
    """JSON Schema counts 3.0 as an integer: take it as 3 (strings stay refused)."""
    if isinstance(value, float) and value.is_integer() and abs(value) <= MAX_ID:
        return int(value)
    return value


#: takes 3.0 as 3, as JSON Schema's "integer" does (never "3"); put after the constraints,
#: so that the document shows them as JSON Schema keywords
AS_WHOLE_NUMBER = BeforeValidator(_integral_float)
#: a row's id in a body: positive, and small enough for a 64-bit column
Id = Annotated[int, Field(gt=0, le=MAX_ID), AS_WHOLE_NUMBER]


class Body(BaseModel):
    model_config = ConfigDict(strict=True)


class LoginBody(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class IssueBody(Body):
    service_id: Id
    priority: bool = False
    priority_category: Literal["elderly", "disabled", "pregnant", "child"] | None = None
    phone: str | None = Field(default=None, min_length=6, max_length=40,
                              description="the citizen's phone, to be told when the ticket is "
                                          "near and called (docs/notifications.md)")
    lang: str | None = Field(default=None, min_length=2, max_length=16,
                             description="the language the citizen used at the kiosk (a "
                                         "catalogue's code, e.g. id or en): the printed "
                                         "ticket's; default the site's (docs/translations.md)")


class TransferBody(Body):
    service_id: Id


class EmptyBody(Body):
    pass


class ServicesQuery(BaseModel):
    agency: str | None = Field(default=None,
                               description="only the services of the agency with this code")


def read_json_object() -> dict[str, Any]:
    """The request's JSON body as a dict (an empty body is ``{}``): 400 when it is not JSON.

    spectree's own reading would take a body that is not JSON as empty; the contract says 400.
    """
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DomainError(f"The body is not valid JSON: {exc}", "malformed_json") from exc
    except (ValueError, RecursionError) as exc:
        # a number of thousands of digits, or arrays nested thousands deep
        raise DomainError("The body is JSON this server does not read: numbers must have "
                          "fewer than 4300 digits and nesting must stay shallow.",
                          "malformed_json") from exc
    if not isinstance(data, dict):
        raise DomainError("The body must be a JSON object.", "malformed_json")
    return data
