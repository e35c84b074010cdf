"""Pages for people, in a browser: the customer's side of a partner's links.

Two links open here. A partner's reseller invitation (`{authority}/invitations/{token}`):
the customer signs in, sees who the partner is and what it asks for, and a Global
Administrator accepts. A GDAP relationship's approval link, whose admin center page
(`…/AdminPortal/Home#/partners/invitation/granularAdminRelationships/{id}`) is served at
its fragment made a path: a Global Administrator of the customer sees the roles asked for
and for how long, and approves. Every rule stays in `services/`; these modules parse
forms, keep the session, and render Jinja2 templates:

    app            the pages as one ASGI app, and `WebPages`, which routes to it from the API
    invitations    the invitation routes: show, sign in, accept, sign out
    outcomes       what the signed-in user may do with an invitation, as a page's status
    gdap_approval  the GDAP approval routes: show, sign in, approve, sign out
    gdap_outcomes  what the signed-in user may do with a GDAP relationship, as a status
    signing        signing in and out of any of these pages
    session        the signed, time-limited session cookie and its CSRF token
    forms          reading a small form body safely
    render         templates (autoescaped), the stylesheet and the headers every page carries
"""
