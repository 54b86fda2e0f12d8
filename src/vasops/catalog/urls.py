from django.urls import path

from vasops.catalog import views

app_name = "catalog"

urlpatterns = [
    # portal (partner)
    path("my/", views.MyProductsView.as_view(), name="my_products"),
    path("my/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/submit/", views.product_submit, name="product_submit"),
    path("products/<int:pk>/change/", views.change_create, name="change_create"),
    # shared detail pages (scoped)
    path("products/<int:pk>/", views.product_detail, name="product_detail"),
    path("changes/<int:pk>/", views.change_detail, name="change_detail"),
    # console (staff)
    path("products/", views.ProductListView.as_view(), name="products"),
    path("review/", views.review_queue, name="review_queue"),
    path("products/<int:pk>/review/", views.product_review, name="product_review"),
    path("products/<int:pk>/action/", views.product_action, name="product_action"),
    path("changes/<int:pk>/review/", views.change_review, name="change_review"),
    path("import/", views.product_import, name="product_import"),
    path("import/template.xlsx", views.product_import_template, name="product_import_template"),
    path("pools/", views.PoolListView.as_view(), name="pools"),
    path("pools/new/", views.pool_edit, name="pool_new"),
    path("pools/<int:pk>/", views.pool_detail, name="pool_detail"),
    path("pools/<int:pk>/edit/", views.pool_edit, name="pool_edit"),
    path("pools/<int:pk>/allocate/", views.pool_allocate, name="pool_allocate"),
    path("allocations/<int:pk>/release/", views.allocation_release, name="allocation_release"),
    path("lines/", views.BusinessLineListView.as_view(), name="business_lines"),
    path("lines/new/", views.business_line_edit, name="business_line_new"),
    path("lines/<str:code>/", views.business_line_edit, name="business_line_edit"),
]
