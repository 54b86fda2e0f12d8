from vasops.admission import exam_api, review_api

routers: list = [
    *exam_api.routers,
    *review_api.routers,
]
