"""What every use case stands on, importing no other capability: the service context (database, clock,
folders), the refusals a use case answers with, who is acting, who may see and do what (access), the cache
of recently stepped workflows, and the hooks other layers listen on.
"""
