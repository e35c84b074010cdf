"""Pages for people, in a browser: the customer's side of a partner's invitation.

A partner's personalized link (`{authority}/invitations/{token}`) opens here. The customer
signs in with the directory's own credential rules, sees who the partner is and what it
asks for, and a Global Administrator accepts. Every rule stays in `services/`; these
modules parse forms, keep the session, and render Jinja2 templates:

    app         the pages as one ASGI app, and `WebPages`, which routes to it from the API
    invitations the invitation routes: show, sign in, accept, sign out
    outcomes    what the signed-in user may do with an invitation, as a page's status
    session     the signed, time-limited session cookie and its CSRF token
    forms       reading a small form body safely
    render      templates (autoescaped), the stylesheet and the headers every page carries
"""
